"""A real SMTP server on loopback that keeps what it receives, for tests.

Speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for
Django's SMTP backend; every message is kept as (envelope from, recipients, bytes).
"""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink = self.server.sink
        mail_from, rcpts = "", []
        self.reply("220 sink.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.test")
            elif verb == "MAIL":
                mail_from, rcpts = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                sink.messages.append((mail_from, rcpts, b"".join(data)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True


class SmtpSink:
    def __init__(self, port: int = 0):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> SmtpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_HELD: list = []


def closed_port() -> int:
    """A loopback port on which nothing listens, for a mail server that is down: bound by
    this process (so no other suite on the machine can take it) and never listening, so a
    connection to it is refused at once."""
    import socket

    if not _HELD:
        held = socket.socket()
        held.bind(("127.0.0.1", 0))
        _HELD.append(held)
    return _HELD[0].getsockname()[1]
