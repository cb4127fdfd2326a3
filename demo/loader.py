"""A believable small ISP for `make run`: inventory, sessions, mail log, complaints.

The ISP's own address space is the benchmarking range 198.18.0.0/15 (RFC 2544) and
the IPv6 documentation prefix 3fff::/20 (RFC 9637), which no public sample report
uses: the RFC examples and the sample reports in tests/fixtures use the older
documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) and
private space. A sample pasted into the demo is therefore "not ours", as it would
be at a real ISP (tests/abusedesk/test_demo.py checks it). Senders elsewhere use
192.0.2/24, domains are example domains. The inventory goes through the real
importers, the complaints through the real intake, so the demo shows what the desk
does with real input.
"""

from __future__ import annotations

import csv
import email
import email.policy
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from django.core.management import call_command

from complaints.choices import Channel

ISP_DOMAIN = "isp.example.jp"
DYNAMIC_POOL = "198.18.0.0/24"
STATIC_BLOCK = "198.18.1.0/25"
HOSTING_BLOCK = "198.18.1.128/26"
SUB_ALLOCATION = "198.18.1.192/27"
MAIL_SERVERS = "198.18.2.0/28"
INFRASTRUCTURE = "198.18.2.16/28"
IPV6_POOL = "3fff:100::/40"
OUR_NETWORKS = (
    DYNAMIC_POOL,
    STATIC_BLOCK,
    HOSTING_BLOCK,
    SUB_ALLOCATION,
    MAIL_SERVERS,
    INFRASTRUCTURE,
    IPV6_POOL,
)
SMTP1 = "198.18.2.5"  # our submission server
ELSEWHERE = "192.0.2"  # senders on other networks

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田"]
GIVEN = ["太郎", "花子", "健", "陽子", "翔", "美咲", "大輔", "さくら", "直樹", "恵"]
COMPANIES = ["株式会社みどり商事", "有限会社さくら印刷", "合同会社ひかりWeb", "株式会社あおば物流"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_inventory(folder: Path, rng: random.Random, subscribers: int = 300) -> dict:
    subs, accounts, blocks = [], [], []
    plan = {"dynamic": [], "static": [], "mail": [], "hosting": []}
    for n in range(1, subscribers + 1):
        sid = f"S-{n:05d}"
        business = n % 10 == 0
        name = (
            COMPANIES[n % len(COMPANIES)] + f" {n}"
            if business
            else rng.choice(FAMILY) + " " + rng.choice(GIVEN)
        )
        subs.append(
            [sid, name, f"customer{n}@mail.example.jp", "business" if business else "individual", "active"]
        )
        accounts.append([f"C-{n:05d}", sid, "connection", f"c{n:05d}@{ISP_DOMAIN}", "active"])
        accounts.append([f"M-{n:05d}", sid, "mail", f"user{n:05d}", "active"])
        plan["mail"].append((f"M-{n:05d}", f"user{n:05d}", f"C-{n:05d}"))
        if business and len(plan["static"]) < 20:
            plan["static"].append(f"C-{n:05d}")
        else:
            plan["dynamic"].append(f"C-{n:05d}")
        if business and n % 20 == 0:
            hid = f"H-{n:05d}"
            accounts.append([hid, sid, "hosting", f"shop{n}.example.com,www.shop{n}.example.com", "active"])
            plan["hosting"].append((hid, f"shop{n}.example.com"))
    holder = [
        f"S-{subscribers + 1:05d}",
        "株式会社テストネットワークス",
        "noc@transit.example",
        "business",
        "active",
    ]
    subs.append(holder)
    blocks += [
        [DYNAMIC_POOL, "dynamic", "", "", ""],
        [HOSTING_BLOCK, "hosting", "", "", ""],
        [SUB_ALLOCATION, "sub_allocation", "", holder[0], "abuse@transit.example"],
        [MAIL_SERVERS, "mail_servers", "", "", ""],
        [INFRASTRUCTURE, "infrastructure", "", "", ""],
        [IPV6_POOL, "dynamic", "", "", ""],
    ]
    for i, account_id in enumerate(plan["static"]):
        blocks.append([f"198.18.1.{i + 1}/32", "static", account_id, "", ""])
    _write_csv(folder / "subscribers.csv", ["subscriber_id", "name", "email", "kind", "status"], subs)
    _write_csv(
        folder / "accounts.csv", ["account_id", "subscriber_id", "kind", "identifier", "status"], accounts
    )
    _write_csv(
        folder / "netblocks.csv",
        ["prefix", "kind", "assigned_to", "sub_allocated_to", "abuse_contact"],
        blocks,
    )
    return plan


def write_sessions(path: Path, rng: random.Random, plan: dict, now: datetime, days: int = 14) -> list:
    """One dynamic session a day per active account; addresses change hands every day."""
    rows, sessions = [], []
    start_day = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    for d in range(days + 1):
        day = start_day + timedelta(days=d)
        online = rng.sample(plan["dynamic"], k=min(180, len(plan["dynamic"])))
        hosts = rng.sample(range(2, 255), k=len(online))
        for account_id, host in zip(online, hosts, strict=True):
            begin = day + timedelta(minutes=rng.randrange(0, 60))
            end = day + timedelta(hours=23, minutes=rng.randrange(0, 59))
            open_end = d == days  # today's sessions are still open
            ip = f"198.18.0.{host}"
            rows.append([account_id, ip, begin.isoformat(), "" if open_end else end.isoformat()])
            sessions.append((account_id, ip, begin, None if open_end else end))
            if host % 3 == 0:
                rows.append(
                    [
                        account_id,
                        f"3fff:100:{host:02x}:{d:02x}00::/56",
                        begin.isoformat(),
                        "" if open_end else end.isoformat(),
                    ]
                )
    _write_csv(path, ["account_id", "ip", "start", "stop"], rows)
    return sessions


def write_maillog(path: Path, rng: random.Random, plan: dict, sessions: list, now: datetime) -> list:
    """Authenticated submissions from customers' current addresses, in RFC 3339 syslog form."""
    by_account = {}
    for account_id, ip, begin, end in sessions:
        by_account.setdefault(account_id, []).append((ip, begin, end))
    lines, sent = [], []
    for mail_id, login, conn_id in rng.sample(plan["mail"], k=120):
        for ip, begin, end in rng.sample(
            by_account.get(conn_id, []), k=min(2, len(by_account.get(conn_id, [])))
        ):
            at = begin + timedelta(minutes=rng.randrange(5, 600))
            if end and at >= end or at > now:
                continue
            queue = f"{rng.getrandbits(40):010X}"
            msgid = f"{queue.lower()}@{ISP_DOMAIN}"
            stamp = at.astimezone(UTC).isoformat(timespec="microseconds")
            lines.append(
                f"{stamp} smtp1 postfix/submission/smtpd[2{rng.randrange(1000, 9999)}]: {queue}: "
                f"client=unknown[{ip}], sasl_method=PLAIN, sasl_username={login}"
            )
            lines.append(
                f"{stamp} smtp1 postfix/cleanup[3{rng.randrange(1000, 9999)}]: {queue}: message-id=<{msgid}>"
            )
            sent.append((mail_id, login, ip, at, queue, msgid))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sent


def _spam(
    *,
    origin_ip: str,
    at: datetime,
    subject: str,
    url: str,
    sender: str,
    helo: str,
    auth_login: str | None = None,
    reporter_mx: str = "mx.receiver.example",
) -> bytes:
    msg = EmailMessage()
    if auth_login:
        # Submitted through our own server with the customer's login, then on to the receiver.
        msg["Received"] = (
            f"from smtp1.{ISP_DOMAIN} (smtp1.{ISP_DOMAIN} [{SMTP1}]) by {reporter_mx} (Postfix) "
            f"with ESMTPS id 5R{at:%H%M%S}Y; {format_datetime(at + timedelta(seconds=2))}"
        )
        msg["Received"] = (
            f"from {helo} (unknown [{origin_ip}]) (Authenticated sender: {auth_login}) by smtp1.{ISP_DOMAIN} "
            f"(Postfix) with ESMTPSA id 6S{at:%H%M%S}Z; {format_datetime(at)}"
        )
    else:
        msg["Received"] = (
            f"from {helo} (unknown [{origin_ip}]) by {reporter_mx} (Postfix) with ESMTP "
            f"id 4Q{at:%H%M%S}X; {format_datetime(at)}"
        )
    msg["From"] = sender
    msg["To"] = "victim@receiver.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain=helo if "." in helo else "pc.invalid")
    msg.set_content(f"今だけ特別価格！ Special offer today only.\n\n{url}\n")
    return bytes(msg)


def _arf(spam: bytes, *, source_ip: str, at: datetime, reporter: str) -> bytes:
    report = EmailMessage()
    report["From"] = reporter
    report["To"] = f"abuse@{ISP_DOMAIN}"
    report["Subject"] = f"FW: Abuse report for {source_ip}"
    report["Date"] = format_datetime(at + timedelta(minutes=30))
    report["Message-ID"] = make_msgid(domain="fbl.receiver.example")
    report.set_content("This is an email abuse report for an email message received from IP " + source_ip)
    report.make_mixed()
    report.replace_header("Content-Type", "multipart/report; report-type=feedback-report")
    feedback = EmailMessage()
    feedback.set_content(
        f"Feedback-Type: abuse\nUser-Agent: DemoFBL/1.0\nVersion: 1\nSource-IP: {source_ip}\n"
        f"Arrival-Date: {format_datetime(at)}\n"
    )
    feedback.replace_header("Content-Type", "message/feedback-report")
    report.attach(feedback)
    attached = EmailMessage()  # attach(): add_attachment() would turn the report into multipart/mixed
    attached.set_content(email.message_from_bytes(spam, policy=email.policy.default))
    report.attach(attached)
    return bytes(report)


@dataclass(frozen=True)
class DemoComplaint:
    raw: bytes
    channel: str
    reporter_key: str = ""
    partner: bool = False  # filed by the demo's feedback-loop partner
    form: dict | None = None  # a short form, as staff fill it in for a phone call
    content_type: str = "message/rfc822"


def _machine_name(rng: random.Random) -> str:
    """A greeting as bot software makes one up: random letters, no vowels to read."""
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randrange(8, 12)))


def build_complaints(rng: random.Random, plan: dict, sessions: list, sent: list, now: datetime) -> list:
    """A few dozen complaints, one or more of every kind the desk must tell apart."""
    reporters = [f"user{i}@receiver{i % 7}.example" for i in range(40)]
    out = []
    # Spam runs from dynamic addresses, reported by many people: two from a
    # customer's own mail server (a proper name), one from a machine whose bot
    # software greets with random letters (evidence of a hijack), and one from a
    # Windows PC greeting with its own name (only a signal: a customer's own
    # mailing software does that too).
    runs = [s for s in sessions if s[3] is not None][-400:]
    picked = rng.sample(runs, k=6)
    greetings = [
        "mail0.cheap-deals.example.net",
        "mail1.cheap-deals.example.net",
        _machine_name(rng),
        f"DESKTOP-{rng.getrandbits(28):07X}",
    ]
    for helo, (_account_id, ip, begin, end) in zip(greetings, picked, strict=False):
        at = begin + (end - begin) / 3
        spam = _spam(
            origin_ip=ip,
            at=at,
            subject="【限定】在庫処分セール",
            url="https://cheap-deals.example.net/sale",
            sender="sale@cheap-deals.example.net",
            helo=helo,
        )
        for reporter in rng.sample(reporters, k=rng.randrange(2, 8)):
            out.append(DemoComplaint(spam, Channel.MAILBOX, f"email:{reporter}"))
        arf = _arf(spam, source_ip=ip, at=at, reporter="fbl@receiver.example")
        out.append(DemoComplaint(arf, Channel.API, partner=True))
    # Authenticated submissions through our own server.
    for _mail_id, login, ip, at, queue, _msgid in rng.sample(sent, k=min(3, len(sent))):
        spam = _spam(
            origin_ip=ip,
            at=at,
            subject="Investment opportunity",
            url=f"http://invest-{queue[:4].lower()}.example.org/",
            sender=f"{login}@{ISP_DOMAIN}",
            helo="pc",
            auth_login=login,
        )
        for reporter in rng.sample(reporters, k=3):
            out.append(DemoComplaint(spam, Channel.MAILBOX, f"email:{reporter}"))
    # Our customer sending through another provider's server after POP before SMTP:
    # that server's header names no login.
    _account_id, ip, begin, end = picked[4]
    at = begin + (end - begin) / 2
    out.append(DemoComplaint(_via_other_provider(ip, at), Channel.MAILBOX, f"email:{rng.choice(reporters)}"))
    # A caller who read an address off a bounce: a stated origin, until staff check it.
    _account_id, ip, begin, end = picked[5]
    at = (begin + (end - begin) / 2).replace(second=0, microsecond=0)
    form = {
        "source_ip": ip,
        "occurred_at": at,
        "category": "spam",
        "reporter": "caller@receiver.example",
        "message": f"毎日{ip}から迷惑メールが届きます。/ Spam from {ip} every day.",
    }
    raw = json.dumps({**form, "occurred_at": at.isoformat()}, ensure_ascii=False).encode()
    out.append(DemoComplaint(raw, Channel.WEB, "user:demo-staff", form=form, content_type="application/json"))
    # A complaint with nothing in it to go on: a person must read it.
    vague = b"Subject: spam again\r\n\r\nI keep getting spam, please make it stop!\r\n"
    out.append(DemoComplaint(vague, Channel.MAILBOX, f"email:{rng.choice(reporters)}"))
    # A site on our hosting service advertised by foreign spam.
    for _hid, domain in plan["hosting"][:2]:
        at = now - timedelta(days=rng.randrange(1, 10))
        spam = _spam(
            origin_ip=f"{ELSEWHERE}.{rng.randrange(100, 200)}",
            at=at,
            subject="Cheap watches",
            url=f"http://{domain}/watches",
            sender="promo@elsewhere.example",
            helo="bulk.elsewhere.example",
        )
        out.append(DemoComplaint(spam, Channel.MAILBOX, f"email:{rng.choice(reporters)}"))
    # Spam from a sub-allocated block, and foreign spam we only received.
    for ip in ("198.18.1.200", f"{ELSEWHERE}.250"):
        at = now - timedelta(days=rng.randrange(1, 5), hours=3)
        spam = _spam(
            origin_ip=ip,
            at=at,
            subject="You have won",
            url="http://prize.example.info/",
            sender="winner@prize.example.info",
            helo="mail.prize.example.info",
        )
        out.append(DemoComplaint(spam, Channel.MAILBOX, f"email:{rng.choice(reporters)}"))
    return out


def _via_other_provider(client_ip: str, at: datetime) -> bytes:
    msg = EmailMessage()
    msg["Received"] = (
        f"from mail.other-provider.example (mail.other-provider.example [{ELSEWHERE}.9]) "
        f"by mx.receiver.example (Postfix) with ESMTP id 7K{at:%H%M%S}Q; "
        f"{format_datetime(at + timedelta(seconds=3))}"
    )
    msg["Received"] = (
        f"from home-pc ([{client_ip}]) (POP before SMTP) by mail.other-provider.example "
        f"(8.15.2/8.15.2) with ESMTP id 8L{at:%H%M%S}R; {format_datetime(at)}"
    )
    msg["From"] = "bargains@other-provider.example"
    msg["To"] = "victim@receiver.example"
    msg["Subject"] = "Limited offer"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain="other-provider.example")
    msg.set_content("Bargains today only: http://bargains.example.org/\n")
    return bytes(msg)


def load_demo(folder: Path, *, stdout) -> dict:
    from complaints.models import Partner
    from complaints.services import report_ingest
    from complaints.services.partners import partner_create

    rng = random.Random(2026)
    now = datetime.now(UTC)
    plan = write_inventory(folder, rng)
    call_command("import_inventory", str(folder), stdout=stdout)
    sessions = write_sessions(folder / "sessions.csv", rng, plan, now)
    call_command("import_sessions", str(folder / "sessions.csv"), stdout=stdout)
    sent = write_maillog(folder / "mail.log", rng, plan, sessions, now)
    call_command("import_maillog", str(folder / "mail.log"), stdout=stdout)
    partner = (
        Partner.objects.filter(name="Receiver FBL").first()
        or partner_create(name="Receiver FBL", contact_email="abuse@receiver.example")[0]
    )
    created = 0
    for item in build_complaints(rng, plan, sessions, sent, now):
        result = report_ingest(
            raw=item.raw,
            channel=item.channel,
            content_type=item.content_type,
            reporter_key=item.reporter_key or f"partner:{partner.name}",
            partner=partner if item.partner else None,
            form=item.form,
            acknowledge=False,  # the demo reporters' addresses are made up
        )
        created += result.created
    # Attribution normally follows each commit; do it here too, so the demo is
    # attributed however the command runs (inside a transaction in tests).
    from complaints.attribution.services import report_attribute
    from complaints.models import Report

    unattributed = Report.objects.filter(attributed_at__isnull=True, status__in=("parsed", "manual_triage"))
    for pk in unattributed.values_list("pk", flat=True):
        report_attribute(report_id=pk)
    _spread_over_time()
    return {"complaints": created}


def _spread_over_time() -> None:
    """The demo's complaints arrive an hour after their spam, not all at load time,
    so the queue's ages and the dashboard's days look like a real desk's."""
    from django.db.models import F, Min

    from complaints.models import Case, Report

    Report.objects.filter(occurred_at__isnull=False).update(received_at=F("occurred_at") + timedelta(hours=1))
    for case in Case.objects.annotate(first=Min("reports__received_at")):
        if case.first:
            Case.objects.filter(pk=case.pk).update(created_at=case.first, last_activity_at=case.first)
