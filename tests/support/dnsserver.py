"""A small authoritative-style UDP DNS server on loopback, for tests and the bench.

Answers from a zone the test defines, so no DNS traffic leaves the machine:

    server = DnsTestServer({("mail.example", "A"): ["192.0.2.1"]}, servfail={"bad.example"}).start()
    ...
    server.stop()

Unknown names get NXDOMAIN; a known name asked for another type gets NOERROR
with no answer; names in `servfail` get SERVFAIL; names in `drop` get no reply
at all (the client times out); while `silent` is set no name gets a reply (a
server that stopped answering). Every query received is counted, so tests can
assert that cached evidence did not reach the server.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


class DnsTestServer:
    def __init__(
        self,
        zone: dict[tuple[str, str], list[str]] | None = None,
        *,
        ttl: int = 300,
        negative_ttl: int | None = None,
        servfail: set[str] | frozenset[str] = frozenset(),
        drop: set[str] | frozenset[str] = frozenset(),
    ):
        self.ttl = ttl
        # With a negative TTL, NXDOMAIN and no-answer responses carry an SOA in
        # the authority section, as a real authoritative server's do.
        self.negative_ttl = negative_ttl
        self.servfail = {_norm(n) for n in servfail}
        self.drop = {_norm(n) for n in drop}
        self.silent = False  # True: every question is dropped (the server stopped answering)
        self._records: dict[tuple[str, str], list[str]] = {}
        self._names: Counter[str] = Counter()  # name -> how many types it has
        for (name, rdtype), rdatas in (zone or {}).items():
            self.add(name, rdtype, *rdatas)
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    # The zone -----------------------------------------------------------

    def add(self, name: str, rdtype: str, *rdatas: str) -> None:
        key = (_norm(name), rdtype.upper())
        if key not in self._records:
            self._names[key[0]] += 1
        self._records.setdefault(key, []).extend(rdatas)

    def remove(self, name: str, rdtype: str) -> None:
        key = (_norm(name), rdtype.upper())
        if self._records.pop(key, None) is not None:
            self._names[key[0]] -= 1

    # Counting ------------------------------------------------------------

    @property
    def queries(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def asked(self, name: str, rdtype: str) -> int:
        with self._lock:
            return self.counts[(_norm(name), rdtype.upper())]

    # Running -------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._port, "start() the server first"
        return self._port

    def start(self) -> DnsTestServer:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._port = self._sock.getsockname()[1]
        # A short timeout lets the loop notice stop() without closing the
        # socket under a blocked recvfrom.
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, name="dns-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        if self._sock:
            self._sock.close()

    def __enter__(self) -> DnsTestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                wire, client = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._reply(wire)
            if reply is not None:
                self._sock.sendto(reply, client)

    def _reply(self, wire: bytes) -> bytes | None:
        try:
            request = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not request.question:
            return None
        question = request.question[0]
        name = _norm(question.name.to_text())
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.counts[(name, rdtype)] += 1
        if self.silent or name in self.drop:
            return None
        response = dns.message.make_response(request)
        response.flags |= dns.flags.AA
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        rdatas = self._records.get((name, rdtype))
        if rdatas:
            response.answer.append(
                dns.rrset.from_text_list(question.name, self.ttl, dns.rdataclass.IN, rdtype, rdatas)
            )
            # dnspython shuffles records on the wire by default; keep the
            # zone's order so tests can check "in the order returned".
            return response.to_wire(want_shuffle=False)
        if self._names[name] <= 0:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if self.negative_ttl is not None:
            response.authority.append(self._soa(question.name))
        return response.to_wire()

    def _soa(self, qname: dns.name.Name) -> dns.rrset.RRset:
        # Owned by the top-level label: enough for a client reading the
        # negative TTL, without modelling zone cuts.
        apex = qname.split(2)[1] if len(qname) > 2 else qname
        soa = f"ns.{apex} hostmaster.{apex} 1 3600 600 86400 {self.negative_ttl}"
        return dns.rrset.from_text(apex, self.negative_ttl, dns.rdataclass.IN, "SOA", soa)
