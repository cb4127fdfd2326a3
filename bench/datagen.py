"""Deterministic input files for the import benchmarks (kept in bench/out/data, not in git).

Each generator writes the file an operator would import and, beside it, the rows
that file becomes in the database as tab-separated text, so PostgreSQL COPY of
"the same rows" can be timed against the importer. A file is made once per size
and reused; the same size always gives the same bytes.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import DATA

START = datetime(2026, 10, 1, tzinfo=UTC)
POOL = ipaddress.ip_network("10.64.0.0/16")  # data only: nothing is ever sent to these
ACCOUNTS = 100_000
# The mail log's phones: a mobile carrier's NAT, eight /24s.
CARRIER = ipaddress.ip_network("10.65.0.0/21")
# Every this many mail-log lines, one stolen password's burst of this many submissions.
STOLEN_EVERY = 200_000
STOLEN_BURST = 40
# One line in this many is wrong in a way the importer must reject and report.
BAD_EVERY = 100_000
NULL = "\\N"  # COPY's text format for NULL


def _v4_key(ip_int: int) -> str:
    return f"{(0xFFFF << 32) | ip_int:032x}"


def account_id(n: int) -> str:
    return f"BC-{n:06d}"


def _paths(stem: str) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    return DATA / f"{stem}.txt", DATA / f"{stem}.rows.tsv"


def sessions(lines: int) -> tuple[Path, Path]:
    """import_sessions CSV of `lines` sessions over a /16 dynamic pool, chronological by day.

    Each address changes hands every 30 minutes to 10 hours between random accounts;
    its last session is still open. The rows file has (account number, start key,
    prefix length, address, start, stop) per accepted line.
    """
    path, rows_path = _paths(f"sessions-{lines}")
    if path.exists() and rows_path.exists():
        return path, rows_path
    rng = random.Random(13)
    addresses = POOL.num_addresses
    base = int(POOL.network_address)
    ips = [str(ipaddress.IPv4Address(base + a)) for a in range(addresses)]
    keys = [_v4_key(base + a) for a in range(addresses)]
    quota = [lines // addresses + (a < lines % addresses) for a in range(addresses)]
    # Times are whole minutes from START; each minute is formatted once.
    minute_text: dict[int, tuple[str, str]] = {}

    def text(minute: int) -> tuple[str, str]:
        if minute not in minute_text:
            iso = (START + timedelta(minutes=minute)).isoformat()
            minute_text[minute] = (iso.replace("+00:00", "Z"), iso)
        return minute_text[minute]

    # Session k of address a starts at next_start[a]; emit day by day so the file reads
    # like a month of daily RADIUS exports.
    next_start = [rng.randrange(0, 600) for _ in range(addresses)]
    made = [0] * addresses
    written = 0
    day_end = 0
    tmp, tmp_rows = path.with_suffix(".part"), rows_path.with_suffix(".part")
    with open(tmp, "w") as out, open(tmp_rows, "w") as rows:
        out.write("account_id,ip,start,stop\n")
        while written < lines:
            day_end += 24 * 60
            for a in range(addresses):
                while written < lines and made[a] < quota[a] and next_start[a] < day_end:
                    start = next_start[a]
                    stop = start + 30 + int(rng.random() * 570)
                    next_start[a] = stop
                    made[a] += 1
                    last = made[a] == quota[a]
                    account = int(rng.random() * ACCOUNTS)
                    written += 1
                    start_z, start_iso = text(start)
                    stop_z, stop_iso = ("", NULL) if last else text(stop)
                    if written % BAD_EVERY == 0:
                        out.write(f"BC-X{account:06d},{ips[a]},{start_z},{stop_z}\n")  # unknown account
                        continue
                    out.write(f"BC-{account:06d},{ips[a]},{start_z},{stop_z}\n")
                    rows.write(f"{account}\t{keys[a]}\t128\t{ips[a]}\t{start_iso}\t{stop_iso}\n")
    tmp.rename(path)
    tmp_rows.rename(rows_path)
    return path, rows_path


def maillog(lines: int) -> tuple[Path, Path]:
    """A Postfix + Dovecot syslog (RFC 3339 stamps) of `lines` lines.

    Per submission: smtpd's client/sasl_username line, then cleanup's message-id line;
    between them POP/IMAP logins and lines of other daemons. The rows file has the
    MailLogEntry each submission and login becomes.

    Clients as an ISP's log has them: each login connects from its home address (one
    of the /16 pool, fixed per login), one line in ten from a phone behind one of
    CARRIER_NETS carrier NAT networks. Every STOLEN_EVERY lines one login's password is
    in a botnet's hands: STOLEN_BURST submissions from as many /24s, one a second, which
    the volume limits must flag (v2 gave every line a random pool address, so thousands
    of ordinary login-hours crossed the new-networks limit).
    """
    path, rows_path = _paths(f"maillog-v3-{lines}")  # v3: home and carrier addresses per login
    if path.exists() and rows_path.exists():
        return path, rows_path
    rng = random.Random(17)
    base = int(POOL.network_address)
    carrier = int(CARRIER.network_address)
    home = [(str(ipaddress.IPv4Address(base + a)), _v4_key(base + a)) for a in range(POOL.num_addresses)]
    phone = [
        (str(ipaddress.IPv4Address(carrier + a)), _v4_key(carrier + a)) for a in range(CARRIER.num_addresses)
    ]
    second_text: dict[int, str] = {}

    def stamp(us: int) -> str:
        second, micro = divmod(us, 1_000_000)
        if second not in second_text:
            second_text.clear()
            second_text[second] = (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{second_text[second]}.{micro:06d}+00:00"

    us = 0
    written = 0
    n = 0
    tmp, tmp_rows = path.with_suffix(".part"), rows_path.with_suffix(".part")
    with open(tmp, "w") as out, open(tmp_rows, "w") as rows:

        def submission(at_us: int, host: str, login: str, ip: str, key: str, client: str) -> None:
            nonlocal written
            at = stamp(at_us)
            queue_id = f"{n:010X}"
            line = (
                f"{at} {host} postfix/submission/smtpd[{1000 + n % 5000}]: {queue_id}: "
                f"client={client}[{ip}], sasl_method=PLAIN, sasl_username={login}"
            )
            written += 1
            if written % BAD_EVERY == 0:
                out.write(line.replace(f"[{ip}]", "[not-an-ip]") + "\n")  # rejected with a reason
            else:
                out.write(line + "\n")
                rows.write(
                    f"submission\tsmtp\t{login}\t{ip}\t{key}\t{at}\t{queue_id}\t"
                    f"{n}.{login}@isp.example\t{host}\t\t\tf\t{line}\n"
                )
            out.write(
                f"{stamp(at_us + 20_000)} {host} postfix/cleanup[{2000 + n % 5000}]: {queue_id}: "
                f"message-id=<{n}.{login}@isp.example>\n"
            )
            written += 1

        while written < lines:
            n += 1
            us += 50_000 + int(rng.random() * 350_000)
            at = stamp(us)
            host = f"mail{n % 4 + 1}"
            account = int(rng.random() * ACCOUNTS)
            login = f"user{account:06d}"
            if written // STOLEN_EVERY != (written + 2 * STOLEN_BURST) // STOLEN_EVERY:
                if written + 2 * STOLEN_BURST <= lines:
                    # A stolen password used by a botnet: a submission a second, each
                    # from another /24 of the pool.
                    for burst in range(STOLEN_BURST):
                        n += 1
                        a = ((account + burst * 37) % 256) * 256 + burst + 1
                        submission(us, "mail1", login, *home[a], "unknown")
                        us += 1_000_000
                    continue
            if rng.random() < 0.1:
                ip, key = phone[int(rng.random() * len(phone))]
            else:
                ip, key = home[(account * 7919) % len(home)]
            choice = rng.random()
            if choice < 0.45 and written + 2 <= lines:
                submission(us, host, login, ip, key, f"pc{n % 977}.dyn.isp.example")
            elif choice < 0.80:
                service = "imap" if n % 3 else "pop3"
                line = (
                    f"{at} {host} dovecot: {service}-login: Login: user=<{login}>, method=PLAIN, "
                    f"rip={ip}, lip=192.0.2.{n % 4 + 1}, mpid={n % 30000}, TLS"
                )
                out.write(line + "\n")
                rows.write(f"login\t{service}\t{login}\t{ip}\t{key}\t{at}\t\t\t{host}\t\t\tf\t{line}\n")
                written += 1
            else:
                out.write(f"{at} {host} postfix/qmgr[900]: {n:010X}: removed\n")
                written += 1
    tmp.rename(path)
    tmp_rows.rename(rows_path)
    return path, rows_path


def mbox(messages: int) -> Path:
    """An mbox of `messages` distinct ~3 KB spam messages (unique Message-IDs)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"mbox-{messages}.mbox"
    if path.exists():
        return path
    rng = random.Random(19)
    words = "cheap pills offer limited discount watches replica winner claim prize urgent bonus".split()
    tmp = path.with_suffix(".part")
    with open(tmp, "w") as out:
        for n in range(messages):
            at = START + timedelta(seconds=n * 7)
            date = at.strftime("%a, %d %b %Y %H:%M:%S +0000")
            ip = f"198.51.100.{n % 254 + 1}"
            body = "\n".join(" ".join(rng.choice(words) for _ in range(10)) for _ in range(40))
            out.write(
                f"From MAILER-DAEMON {at.strftime('%a %b %d %H:%M:%S %Y')}\n"
                f"Return-Path: <sale{n}@spammer.example>\n"
                f"Received: from pc-{n} (unknown [{ip}]) by mx.receiver.example (Postfix) with ESMTP id "
                f"Q{n}; {date}\n"
                f"From: Sale <sale@spammer.example>\nTo: abuse@isp.example.jp\n"
                f"Subject: Limited offer {n}\nDate: {date}\nMessage-ID: <mbox-{n}@spammer.example>\n"
                f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
                f"Buy now at http://shop{n % 50}.spam.example/offer/{n}\n{body}\n\n"
            )
    tmp.rename(path)
    return path
