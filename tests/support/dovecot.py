"""A real Dovecot IMAP server for one test session, on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    user = "abuse"
    password = "imap-test-secret"

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.config = root / "dovecot.conf"

    def start(self) -> None:
        import pwd

        nobody = pwd.getpwnam("nobody")
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "home").chmod(0o777)
        self.root.chmod(0o755)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.config.write_text(
            CONFIG.format(root=self.root, port=self.port, uid=nobody.pw_uid, gid=nobody.pw_gid)
        )
        subprocess.run(["dovecot", "-c", str(self.config)], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: " + (self.root / "dovecot.log").read_text())

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], check=False, capture_output=True)

    def clear(self) -> None:
        shutil.rmtree(self.root / "home" / self.user, ignore_errors=True)


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None
