"""A generated mail log: normal senders of an ISP, and compromised logins planted among them.

Lines are Postfix submissions (smtpd with sasl_username, cleanup, one delivery line per
recipient) and Dovecot logins, in time order, as import_maillog reads them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

COMMON_DOMAINS = [f"mail{i}.example" for i in range(25)] + ["docomo.example.jp", "ezweb.example.jp"]
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


@dataclass
class Log:
    lines: list[tuple[datetime, str]] = field(default_factory=list)
    queue: int = 0

    def submission(self, at, login, ip, recipients, *, unknown=()):
        self.queue += 1
        qid = f"Q{self.queue:X}"
        stamp = lambda t: t.isoformat()  # noqa: E731
        self.lines.append(
            (
                at,
                f"{stamp(at)} smtp1 postfix/smtpd[10]: {qid}: client=c[{ip}], sasl_method=PLAIN, sasl_username={login}",
            )
        )
        self.lines.append((at, f"{stamp(at)} smtp1 postfix/cleanup[11]: {qid}: message-id=<{qid}@{login}>"))
        for n, rcpt in enumerate(recipients):
            t = at + timedelta(seconds=1 + n % 30)
            if rcpt in unknown:
                tail = "dsn=5.1.1, status=bounced (host mx[192.0.2.9] said: 550 5.1.1 User unknown)"
            else:
                tail = "dsn=2.0.0, status=sent (250 2.0.0 Ok)"
            self.lines.append(
                (
                    t,
                    f"{stamp(t)} smtp1 postfix/smtp[12]: {qid}: to=<{rcpt}>, relay=mx[192.0.2.9]:25, delay=1, {tail}",
                )
            )

    def pop_login(self, at, login, ip):
        self.lines.append(
            (
                at,
                f"{at.isoformat()} mbox1 dovecot: pop3-login: Login: user=<{login}>, method=PLAIN, rip={ip}, lip=192.0.2.1",
            )
        )

    def text(self) -> str:
        return "\n".join(line for _, line in sorted(self.lines, key=lambda x: x[0])) + "\n"


def normal_senders(log: Log, rng: random.Random, *, count: int, hours: int) -> list[str]:
    """Customers sending as people do: a few messages an hour from home (sometimes a phone),
    to a handful of common domains, now and then a mistyped address."""
    logins = []
    for n in range(count):
        login = f"user{n:04d}"
        logins.append(login)
        home = f"198.51.{n % 200}.{10 + n % 200}"
        phone = f"2001:db8:{n:x}::{n % 50 + 1}"
        heavy = n % 40 == 0  # a small business with a mailing list, under the limits
        for hour in range(hours):
            base = START + timedelta(hours=hour)
            messages = rng.randint(20, 120) if heavy else rng.randint(0, 8)
            for _m in range(messages):
                at = base + timedelta(seconds=rng.randint(0, 3500))
                ip = phone if rng.random() < 0.1 else home
                rcpts = [
                    f"friend{rng.randint(0, 40)}@{rng.choice(COMMON_DOMAINS)}"
                    for _ in range(rng.randint(1, 3))
                ]
                typo = {rcpts[0]} if rng.random() < 0.02 else set()
                log.submission(at, login, ip, rcpts, unknown=typo)
            if rng.random() < 0.5:
                log.pop_login(base + timedelta(minutes=rng.randint(0, 59)), login, home)
    return logins


def plant_burst(log: Log, rng: random.Random, login: str, hour: int):
    """A sudden burst from the customer's own address: 400 messages to random domains."""
    base = START + timedelta(hours=hour)
    for m in range(400):
        rcpts = [f"u{rng.randint(0, 10**6)}@rand{rng.randint(0, 5000)}.example" for _ in range(2)]
        log.submission(base + timedelta(seconds=m * 8), login, "198.51.199.5", rcpts)


def plant_stolen_password(log: Log, rng: random.Random, login: str, hour: int):
    """Modest volume, but from six networks the login never used (a stolen password)."""
    base = START + timedelta(hours=hour)
    for m in range(40):
        ip = f"203.0.{113 + m % 6}.{m + 1}"
        log.submission(base + timedelta(seconds=m * 60), login, ip, [f"friend{m}@{COMMON_DOMAINS[m % 5]}"])


def plant_dictionary(log: Log, rng: random.Random, login: str, hour: int):
    """Guessed addresses: most of them do not exist."""
    base = START + timedelta(hours=hour)
    for m in range(80):
        rcpt = f"{rng.choice('abcdefghij')}{rng.randint(0, 999)}@{COMMON_DOMAINS[m % 3]}"
        log.submission(
            base + timedelta(seconds=m * 40),
            login,
            "198.51.198.7",
            [rcpt],
            unknown={rcpt} if m % 5 else set(),
        )


def plant_ipv6_hopper(log: Log, rng: random.Random, login: str, hour: int):
    """POP and SMTP from four /48s the login never used."""
    base = START + timedelta(hours=hour)
    for m in range(4):
        ip = f"2001:db8:{0xA000 + m:x}::{m + 1}"
        log.pop_login(base + timedelta(minutes=m * 10), login, ip)
        log.submission(base + timedelta(minutes=m * 10 + 1), login, ip, [f"x{m}@{COMMON_DOMAINS[m]}"])
