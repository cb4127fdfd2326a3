"""What a message that is no machine report is: a person's complaint, or the spam itself.

A complaint is recognised by how mail works, not by a sample's wording:
- it carries the reported message inside (attached in any way, pasted, quoted,
  forwarded inline): the reported message is read as its own message, recursively,
  and only ITS Received chain is walked;
- it was redirected (Resent-* fields): only the hops below the redirect are walked;
- it is addressed to a role mailbox (abuse@, postmaster@... RFC 2142) or forwarded, and
  speaks of abuse or names an address: the address the person names is taken as
  *stated* (a person must confirm it).
The complaint's own envelope and Received chain are the complainant's path to us and
never the spam's origin. Anything else is the spam itself, posted by a partner or a trap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from email.message import Message
from typing import NamedTuple

from . import incidents, mime, notices, tables
from . import material as materials
from .common import choose_source, finish
from .content import about_hosted_content, keep_as_site_address
from .dates import (
    AMBIGUOUS_ZONES,
    JST_WORDS,
    UTC_WORDS,
    ZONE_OFFSETS,
    declared_offset,
    parse_date,
    parse_date_in,
    stated_offset,
    zone_word_offset,
)
from .hosts import is_routable_ip, is_under, non_routable_reason, registrable_domain, split_zone
from .parsed import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector, url_host

# RFC 2142 role mailboxes and the local parts ISPs use for complaints (迷惑 = meiwaku).
# The mailboxes reports are written to: abuse@, network-abuse@, ipabuse@, abuse-desk@,
# postmaster@, security@, noc@, cert@... (short words only as a whole part of the name).
_ROLE = re.compile(
    r"abuse|postmaster|hostmaster|meiwaku|report-?spam|spam-?report"
    r"|(?:^|[-_.+])(?:spam|security|noc|cert|csirt|soc|sirt|trust-?safety)(?:$|[-_.+])"
)  # "spam" only as a word of its own: spamtrap@ and antispam@ receive the spam itself
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|wg|tr|rv|vs|enc|doorst|転送)\s*[:：]", re.IGNORECASE)
# An English word's edges among Japanese too: "\b" finds none between "SSH" and "へ" or
# "DDoS" and "攻撃" (kana and kanji are word characters), as Japanese writes them.
_EDGE, _END = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"
# Words with which people write about unwanted mail, in the desk's two languages.
_ABUSE_WORDS = re.compile(
    rf"{_EDGE}(?:spam\w*|abuse|unsolicited|junk mail|phishing|scam|unwanted (?:e-?)?mail"
    r"|blacklist\w*|blocklist\w*"
    # the other abuse an abuse desk is written to about
    r"|brute[- ]?force|(?:ssh|login) attempts?|malware|web ?shell|botnet|compromised\w*|infected"
    r"|ddos|(?:port ?)?scan(?:s|ning|_\w+)?|attack(?:s|ing)?|copyright|infringement"
    # the feeds' own words (Shadowserver's "scan_ntp", "dns_openresolver", "sinkhole_http_drone")
    r"|vulnerab\w*|\w*open_?resolver\w*|sinkhole\w*|drones?|honey ?pot\w*|harvest\w*|incidents?"
    rf"|safe ?browsing|malicious){_END}"
    r"|迷惑|スパム|苦情|フィッシング|詐欺|踏み台|不審|不正アクセス|攻撃|マルウェア|ウイルス|著作権"
    r"|スキャン|総当た?り|ブルートフォース|不正ログイン|ログイン試行",
    re.IGNORECASE,
)
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)")
# Not inside a longer run of hex and colons; after a label's colon ("送信元:2001:db8::1",
# "Source IP:2001:…") it may start: _after_a_label tells a label from more hex digits.
_IPV6 = re.compile(
    r"(?:(?<![\w:.])|(?<=\w:))\[?(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}(?:%[\w.-]{1,32})?\]?(?![\w:])"
)
_WORD_BEFORE = re.compile(r"\w+$")
# An address typed with a Japanese input method's full stop: １９８。５１。１００。２３.
_IDEOGRAPHIC_QUAD = re.compile(r"(?<![\d.。])\d{1,3}(?:[.。]\d{1,3}){3}(?![\d]|[.。]\d)")


def _after_a_label(text: str, start: int) -> bool:
    """Right after "label:": a word that is no run of hex digits ("IP", "Source", "送信元")."""
    if start == 0 or text[start - 1] != ":":
        return True
    word = _WORD_BEFORE.search(text, max(0, start - 41), start - 1)
    return bool(word) and re.search(r"[^0-9A-Fa-f]", word.group(0)) is not None


def _plain(text: str) -> str:
    """A person's text with addresses as software writes them: NFKC (full-width digits,
    colons and dots), defanged dots ("[.]") undone, and an input method's "。" between the
    numbers of an address a dot. The same length but for the defanging."""
    text = _DEFANG.sub(".", unicodedata.normalize("NFKC", text[:20_000]))
    return _IDEOGRAPHIC_QUAD.sub(lambda m: m.group(0).replace("。", "."), text)


_FROM_WORDS = re.compile(
    r"(?:\bfrom|source|sender|sending|sent by|spamming|origin\w*|送信元|発信元|送信者|差出)"
    # "source IP address:", "送信元IPアドレスは" (with the particle)
    r"(?:\W{0,3}(?:IP|IPv4|IPv6)?\W{0,3}(?:address(?:es)?|アドレス)?)?(?:\s*[はが])?\W{0,20}$",
    re.IGNORECASE,
)
# A zone written after the time, also in brackets: "14:30 (JST)", "14:30（日本時間）" (NFKC
# makes the full-width brackets plain ones).
# The zone names mail and reports write after a time ("06:29:00 CEST", "PST"), longest first.
_ZONE_NAMES = "|".join(sorted((name for name in ZONE_OFFSETS if len(name) > 1), key=len, reverse=True))
# A zone's letters in brackets after a time ("13:30 (KST)"): not those naming zones hours
# apart (IST, CST, BST), which leave the time with no zone rather than a wrong one.
_BRACKETED_NAMES = "|".join(
    sorted((n for n in ZONE_OFFSETS if len(n) > 1 and n not in AMBIGUOUS_ZONES), key=len, reverse=True)
)
# Zones in words: "Japan Standard Time", "日本時間", "協定世界時", "グリニッジ標準時" (dates.py).
_ZONE_WORDS = rf"(?i:{JST_WORDS}|{UTC_WORDS})"
_ZONE_AFTER = (
    r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?(?![\d.])|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|UTC|GMT|JST)"
    rf"|\s+(?:{_ZONE_NAMES})\b"
    rf"|\s*{_ZONE_WORDS}"
    rf"|\s*\(\s*(?:(?:UTC|GMT)\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?|{_BRACKETED_NAMES}|UTC|GMT|JST|{_ZONE_WORDS})\s*\))?"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?" + _ZONE_AFTER)
# The half of the day, before the hour or after the time: 午後3時, PM3:05, ＰＭ３：０５ (NFKC:
# PM3:05), p.m. 3:05, 3:05 PM.
_HALF = r"(?<![A-Za-z])(?:午前|午後|[AaPp]\.?[Mm]\.?(?![A-Za-z]))"
# 2026年11月20日 14:29 (JST), 2026年11月20日（金）14時29分05秒: how Japanese complaints
# write the time (after NFKC, so full-width digits and colons are plain ones); also
# 2026/11/20 before a Japanese time ("2026/11/20 (金) 午後 1:12", "2026/11/20 13時12分").
_JA_DATE = re.compile(
    r"(?P<year>\d{4})\s*(?:年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"|/(?P<smonth>\d{1,2})/(?P<sday>\d{1,2})(?![\d/]))[^\d\n]{0,12}?"
    rf"(?P<about>約|およそ|だいたい|大体)?\s*(?:(?P<half>{_HALF})\s*)?(?P<hour>\d{{1,2}})\s*"
    # 14時35分, 14:35, and a person's rounder times: 14時, 14時半 (half past)
    r"(?:時(?!間)\s*(?:(?P<minute>\d{1,2})(?![\d.])\s*分?|(?P<han>半))?|:(?P<minute2>\d{2}))"
    r"(?::(?P<sec>\d{1,2})|\s*(?P<sec2>\d{1,2})\s*秒)?"
    rf"(?:\s*(?P<half2>{_HALF}))?"
    r"(?P<approx>\s*(?:頃|ごろ|前後|くらい|ぐらい|位))?"
    rf"(?:\s*[(]?\s*(?P<zone>JST|UTC|GMT|{_ZONE_WORDS})"
    # "(UTC+09:00)", as Windows writes it; "GMT+9"
    r"(?:\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?)?"
)
# The Reiwa era (令和元年 = 2019; NFKC spells the one-character era sign ㋿ out).
_REIWA = re.compile(r"令和\s*(元|\d{1,2})\s*年")
# A month and day with no year before them: 11月20日, and in Japanese text 11/20 before a time.
_JA_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SLASH_MONTH_DAY = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])(?=(?:\s*\([^)\n]{1,4}\)\s*|[ T]+)"
    rf"(?:{_HALF}\s*)?\d{{1,2}}(?::\d{{2}}|\s*時))"  # 11/20 14:29, 11/20 13時12分, 11/20 午後1:12
)
# 2026/11/20 14:29, 2026/11/20(金) 14:29:05 +0900: Japanese software and people. Not
# with the half of the day or 時 after the time ("2026/11/20 1:12 PM"): read elsewhere.
_SLASH_DATE = re.compile(
    r"\d{4}/\d{1,2}/\d{1,2}(?:\s*\([^)\n]{1,4}\)\s*|[ T]+)\d{1,2}:\d{2}(?::\d{2})?"
    + _ZONE_AFTER
    + rf"(?![:\d]|\s*(?:{_HALF}|時))"
)
# October 14, 2024 at 10:01:05 AM EDT; Mon, Oct 14, 2024 10:01 AM; an offset from
# universal time as people and Windows write it: "2:29 PM GMT+9", "(UTC-05:00)".
_OFFSET_WRITTEN = r"(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?(?![\d:])"
_LONG_DATE = re.compile(
    r"(?:[A-Za-z]{3,9},?\s+)?[A-Za-z]{3,9}\s+\d{1,2},?\s+\d{4}(?:,?\s+at)?\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?"
    rf"(?:\s*(?:[+-]\d{{4}}|{_OFFSET_WRITTEN}|\(\s*{_OFFSET_WRITTEN}\s*\)|[A-Z]{{2,5}}\b))?"
)
_RFC_DATE = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    # "08:40PM PST": the half of the day, then the zone (AM/PM is no zone).
    r"(?:\s*[AaPp]\.?[Mm]\.?(?![A-Za-z]))?(?:\s*(?:[+-]\d{4}|(?!(?:AM|PM)\b)[A-Z]{2,4}))?"
)

# The other ways people write a date beside a time: "20 November 2026, 05:29 UTC",
# "Friday, November 20th 2026 at 05:29", "2026-11-20 at 05:29", "2026.11.20 05:29",
# "20/11/2026 05:29" and "11/20/2026 5:29 AM" (day and month told apart only when one
# of them is over 12), "20.11.2026 05:29", and the time first: "05:29 UTC on 20 Nov 2026".
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
# Months as Spanish, French, Italian, Portuguese, German and Dutch write them, day first:
# "20 de noviembre de 2026", "20 novembre 2026", "20. November 2026".
_LOCAL_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "enero janvier gennaio janeiro januar jänner januari",
            "febrero février fevrier febbraio fevereiro februar februari",
            "marzo mars março marco märz maerz maart",
            "abril avril aprile april",
            "mayo mai maggio maio mei",
            "junio juin giugno junho juni",
            "julio juillet luglio julho juli",
            "agosto août aout augustus august",
            "septiembre setiembre settembre setembro september",
            "octubre octobre ottobre outubro oktober",
            "noviembre novembre novembro november",
            "diciembre décembre decembre dicembre dezembro dezember december",
        ),
        1,
    )
    for name in names.split()
}
_LOCAL_MONTH = "(?P<lmon>" + "|".join(sorted(_LOCAL_MONTHS, key=len, reverse=True)) + ")"
_DATE_FORMS = (
    rf"(?P<d>\d{{1,2}})\.?\s+(?:de\s+)?{_LOCAL_MONTH}\.?,?\s+(?:de\s+)?(?P<y>\d{{4}})",
    rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}})",
    rf"{_MONTH}\s+{_DAY},?\s+(?P<y>\d{{4}})",
    r"(?P<y>\d{4})([-./])(?P<m>\d{1,2})\2(?P<d>\d{1,2})",
    r"(?P<a>\d{1,2})([/.-])(?P<b>\d{1,2})\2(?P<y>\d{4})",  # 20-11-2026: Dutch, Danish
)
# "1:12 pm Japan time", "13:12 Japan Standard Time", "Tokyo time", "05:29 Coordinated
# Universal Time": zones in words (dates.py).
_CLOCK = (
    # "1:12 PMに": no "\b" between "M" and the kana after it
    # "05h30" as French writes it; "05:30 Uhr", "05:30 h", "05:30 hrs" before the zone
    r"(?P<H>\d{1,2})(?::|h(?=\d{2}))(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<ampm>[ap])\.?m(?![A-Za-z0-9])\.?)?"
    r"(?:\s*(?:uhr|hrs?|h)(?![A-Za-z]))?"
    r"(?P<zone>\s*\(?\s*(?:(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|Z\b"
    rf"|{JST_WORDS}|{UTC_WORDS}|[A-Z]{{2,5}}\b)\s*\)?)?"
)
# Between a date and its time: "at", and the word other languages use there ("le
# 20/11/2026 à 05:30", "el 20/11/2026 a las 05:30", "am 20.11.2026 um 05:30", "il
# 20/11/2026 alle 05:30", "op 20-11-2026 om 05:30", "em 20/11/2026 às 05:30").
_AT = r"at|@|-|à|a\s+las?|um|alle|ore|om|às|kl\.?"
_ROUGHLY = r"(?P<about>(?:about|around|approximately|approx\.?|circa|roughly|~)\s*)?"
_WRITTEN_DATES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for form in _DATE_FORMS
    for pattern in (
        rf"(?<![\d/.-]){form}(?![\d/.-])(?:\s*,\s*|\s+(?:{_AT})\s+|\s+|T){_ROUGHLY}{_CLOCK}",
        rf"{_ROUGHLY}{_CLOCK}\s*(?:on|,)\s+(?:[a-z]{{3,9}},?\s+)?(?<![\d/.-]){form}(?![\d/.-])",
    )
)
_YEAR_FIRST = re.compile(r"\d{4}[./]")
_SPAN_BEFORE = re.compile(r"(?:\band|\bto|\buntil|\btill|\bthrough|[-–~〜])\s*$", re.IGNORECASE)
# "Nov 20 at 05:29", "05:29 on 20 Nov": a month and day with no year after them.
_EN_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s*\d{{4}})", re.IGNORECASE)
_EN_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z])(?!,?\s*\d{{4}})", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _written_date(match: re.Match) -> tuple[str, bool] | None:
    """An ISO stamp with the zone text as written (for parse_date) from one of
    _WRITTEN_DATES, and whether the time was given as rough; None for a date that
    could be read two ways (03/04/2026)."""
    found = match.groupdict()
    if found.get("lmon"):
        month = _LOCAL_MONTHS[found["lmon"].lower()]
    elif found.get("mon"):
        month = _MONTHS[found["mon"][:3].lower()]
    elif found.get("m"):
        month = int(found["m"])
    else:
        first, second = int(found["a"]), int(found["b"])
        if match.group(0).count(".") >= 2 and "/" not in match.group(0):
            month, found["d"] = second, first  # 20.11.2026: day first, as dots are written
        elif first > 12 >= second:
            month, found["d"] = second, first
        elif second > 12 >= first:
            month, found["d"] = first, second
        else:
            return None
    hour = int(found["H"])
    if found.get("ampm"):
        hour = hour % 12 + (12 if found["ampm"].lower() == "p" else 0)
    zone = _BRACKETED_ZONE.sub(_zone_named, found["zone"].strip()).strip() if found.get("zone") else ""
    day, second = int(found["d"]), found.get("S") or "00"
    stamp = f"{int(found['y']):04d}-{month:02d}-{day:02d}T{hour:02d}:{found['M']}:{second}"
    return f"{stamp} {zone}".strip(), bool(found.get("about"))


def read_other(msg: Message, trust: TrustContext, read, depth: int) -> ParsedReport:
    """Read a message no machine-report reader took. `read` reads an inner message."""
    if depth == 0 and is_automatic_reply(msg):
        return _automatic_reply(msg)
    found = materials.find(msg) if depth < MAX_DEPTH else materials.Found(None, "", [])
    if depth == 0 and (reason := _a_programs_mail_reporting_nothing(msg, found)) is not None:
        # A list manager's, a mail system's or a carrier's own notice: whatever message
        # it carries or quotes, nobody complains about it (notices.py).
        return _automatic_reply(msg, reason)
    if depth >= MAX_DEPTH and materials.find(msg).material is not None:
        # Still a forward of something: the reported message lies deeper than is read,
        # and this level is a forwarder's message (our own customer's, it may be), never
        # the spam. A person opens it.
        report = ParsedReport(format="unknown", message_kind="complaint")
        report.fail(f"forwards nested more than {MAX_DEPTH} deep: the reported message was not reached")
        return report
    if found.material is not None:
        report = read(found.material.message, trust, depth + 1)
        if depth > 0 and not report.hops and report.parse_error is None and mime.headers(msg, "Received"):
            # This level is itself a copy with its Received chain (headers pasted above
            # a forward of the same spam): a header-less copy inside says less.
            return _spam(msg, trust, kind="spam")
        return _wrapping(report, msg, found)
    if _redirected(msg):
        ours = _from_our_own_domain(msg, trust)
        if _auto_submitted(msg) != "no" and not ours and _written_to_us(msg, found.prose):
            # A program's notice about abuse at an address it names (Safe Browsing, a
            # provider's or a CERT's ticket), redirected to the desk by the mailbox it
            # reached: read what it says, as when it comes straight to us.
            return _each_listed_incident(_prose_complaint(msg, found, trust), msg, found.prose, trust)
        return _spam(msg, trust, kind="machine_report" if is_machine_sender(msg) else "complaint")
    tabled = _with_attached_tables(msg, found, trust) if depth == 0 and found.material is None else None
    if tabled is not None:
        # A notice listing its events in an attached table (a CERT's or a scanning
        # project's CSV, zipped or not): read the table, never the notice's own route.
        report = _prose_complaint(msg, tabled, trust)
        precedence = (mime.header(msg, "Precedence") or "").strip().lower()
        if is_machine_sender(msg) or precedence in ("bulk", "list"):
            report.message_kind = "machine_report"
        _each_other_source(report, msg, trust)
        return report
    if _written_to_us(msg, found.prose):
        return _each_listed_incident(_prose_complaint(msg, found, trust), msg, found.prose, trust)
    report = _spam(msg, trust, kind="spam")
    if depth == 0 and _complains_about_our_address(msg, found.prose, trust, _from_our_network(report, trust)):
        # Blind-copied to the desk (To: undisclosed-recipients), or sent to a help desk
        # address no list foresaw: a person writing about abuse from one of our
        # addresses. Its own route is the complainant's (our customer's server, it may
        # be), never the spam's: walking it would accuse the complainant.
        complaint = _each_listed_incident(_prose_complaint(msg, found, trust), msg, found.prose, trust)
        complaint.note(
            "names one of our addresses in words about abuse, though not sent to an abuse mailbox: "
            "read as a complaint about that address, not as spam from its own sender"
        )
        return complaint
    if _sent_by_our_own_user(report, trust) and (
        (depth == 0 and _to_a_role_mailbox(msg)) or (depth > 0 and _to_the_senders_own_provider(msg, trust))
    ):
        # One of our users writing to an abuse mailbox through our own mail service, in
        # words no list foresaw ("how can I make these ads stop?"), or pasting the text
        # of a spam under "FW:": the envelope is their path to us, never the spam's.
        # Spam sent to a role address from a customer's account goes to a person too
        # (the complainant and the spammer look the same here); accusing the
        # complainant is the one mistake the desk must not make. Inside a report (our
        # support staff forwarding it as an attachment) only when it was written to the
        # sender's own provider's role mailbox: a spam inside a report, sent from our
        # customer's account to another network's abuse@, is read as spam.
        complaint = _prose_complaint(msg, found, trust)
        complaint.note(
            "written to an abuse mailbox by one of our own users through our mail service, "
            "without a copy of a spam: read as their message to us, not as spam they sent"
        )
        return complaint
    return report


MAX_DEPTH = 6  # complaint -> forwarded complaint -> report -> spam, and a few help-desk forwards more


def is_machine_sender(msg: Message) -> bool:
    """Sent by a program, not typed by a person (RFC 3834, null sender, a report type)."""
    auto = (mime.header(msg, "Auto-Submitted") or "no").strip().lower()
    null_sender = (mime.header(msg, "Return-Path") or "").replace(" ", "") == "<>"
    return (
        auto != "no"
        or null_sender
        or mime.content_type(msg) == "multipart/report"
        or mime.header(msg, "X-ARF") is not None
        or mime.header(msg, "X-XARF") is not None
    )


def _forwarders_zone(report: ParsedReport, outer: Message, inner: Message) -> None:
    """A forward's header block written by the forwarder's mail client ("Date: Mon, Oct
    14, 2024 at 10:01 AM") names no zone: it is the forwarder's, as their own Date says."""
    text = mime.header(inner, "Date")
    offset = stated_offset(mime.header(outer, "Date"))
    if not text or offset is None or stated_offset(text) is not None:
        return
    when = parse_date_in(text, offset)
    if when is None or when == report.date:
        return
    if report.occurred_at_basis == "date-header" and report.occurred_at == report.date:
        report.occurred_at = when
    report.date = when
    sign = "-" if offset < 0 else "+"
    report.note(
        f"the forwarded copy's date names no zone: read in the forwarder's "
        f"(UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d})"
    )


def _wrapping(report: ParsedReport, outer: Message, found: materials.Found) -> ParsedReport:
    """The report on the inner message, as seen from the message that carried it."""
    machine = is_machine_sender(outer)
    inner_kind = report.message_kind
    report.message_kind = "machine_report" if machine else "complaint"
    report.reported_via = report.reported_via or found.material.via
    if inner_kind != "machine_report":
        report.format = "raw-spam" if report.parse_error is None else report.format
    sender = mime.first_address(mime.header(outer, "From"))
    if not machine or inner_kind != "machine_report" or not report.reporter:
        report.reporter = sender or report.reporter
    if report.reported_message_raw is None:
        report.reported_message_raw = found.material.raw
    _forwarders_zone(report, outer, found.material.message)
    for note in found.notes:
        report.note(note)
    if found.others:
        report.more_reported_raw = [m.raw for m in found.others] + report.more_reported_raw
        report.note(
            f"{len(report.more_reported_raw) + 1} reported messages were attached: this report reads "
            "the first; each other one is filed as a report of its own"
        )
    if not machine:
        if report.category == "spam":
            # The person's own words say what the copy is (a forward's subject is the
            # spam's own, so only what they wrote counts).
            report.category = _complaint_kind(None, found.prose)
        named, others = named_addresses(found.prose)
        report.source_ip_named = report.source_ip_named or named
        if report.source_port_named is None:
            report.source_port_named = named_port(found.prose, report.source_ip_named)
        for ip in others:
            report.signal("complainant_named_address", ip)
    choose_source(report)
    return report


def _with_attached_tables(
    msg: Message, found: materials.Found, trust: TrustContext
) -> materials.Found | None:
    """The notice's words with the text of its attached tables, when one of them has a
    column of source addresses; None otherwise (a zip of programs is no table)."""
    if not tables.data_attachments(msg) or _from_our_own_domain(msg, trust):
        return None
    subject = mime.header(msg, "Subject") or ""
    precedence = (mime.header(msg, "Precedence") or "").strip().lower()
    text, names = tables.attached_tables(msg)
    if not text or tables.table_source(text) is None:
        return None
    # A feed names its report in the file too: "2019-01-16-scan_afp-sample-ip.csv.zip".
    speaks = any(_ABUSE_WORDS.search(words) for words in (subject, found.prose[:5000], " ".join(names)))
    if not (speaks or is_machine_sender(msg) or precedence in ("bulk", "list")):
        return None  # a price list or a leads file a spam carries is no notice
    notes = [*found.notes, f"the events are read from the attached table ({', '.join(names[:3])})"]
    source = tables.table_source(text)[0]
    if not is_routable_ip(source):
        # No row has a source we could act on; its other columns never stand in for it.
        reason = non_routable_reason(source)
        notes.append(f"the table's source {source} is a {reason} address, which is never an origin")
    # The files' names stay with the words: a feed's report kind is often only there.
    return materials.Found(None, f"{found.prose}\n\n[{', '.join(names)}]\n{text}", notes, found.others)


def _each_other_source(report: ParsedReport, msg: Message, trust: TrustContext) -> None:
    """A feed's table names many sources (a Shadowserver report lists every address of
    ours it saw): this report reads one, and each other address is filed as a report of
    its own, its row pasted under the notice's own header fields, so each customer is
    attributed and grouped on that row's facts. The same bytes each time the notice is
    processed: filed again, each is found as already stored."""
    text, names = tables.attached_tables(msg)
    header, rows = tables.other_sources(
        text, report.source_ip, chosen_port=report.source_port, shared=trust.is_shared_address
    )
    if not rows:
        return
    notice = mime.header(msg, "Message-ID") or ""
    for row in rows:
        body = (
            f"One event of the notice {notice} ({', '.join(names[:3])}), filed on its own:\n\n"
            f"[{', '.join(names)}]\n{header}\n{row}\n"
        )
        report.more_reported_raw.append(_filed_on_its_own(msg, body))
    report.note(
        f"the table names {len(rows) + 1} source addresses: this report reads one, and each "
        f"other one ({len(rows)}) is filed as a report of its own"
    )


def _each_listed_incident(
    report: ParsedReport, msg: Message, prose: str, trust: TrustContext
) -> ParsedReport:
    """A notice listing in its words incidents from several of our addresses (a
    honeypot's or a CERT's list, a person's bullets): this report reads one, and the
    incidents of each other address are filed as reports of their own, under the
    notice's header fields and its words before the list (what was seen, in which
    zone), as a table's rows are. The same bytes each time: filed again, each is found
    as already stored."""
    shared: dict[str, bool] = {}

    def port_of(ip: str, lines: list[str]) -> int | None:
        # A shared (carrier-grade NAT) address names a customer only with its port, as
        # the incident's own line writes it ("203.0.113.130:51234", "… port 51234").
        if ip not in shared:
            shared[ip] = bool(trust.is_shared_address(ip))
        return named_port("\n".join(lines), ip) if shared[ip] else None

    def event_key(ip: str, lines: list[str]):
        port = port_of(ip, lines)
        return ip if port is None else (ip, port)

    listed = incidents.listed_incidents(prose, event_key=event_key)
    if listed is None:
        return report
    read = {report.source_ip, report.source_ip_named, report.site_address} - {None}
    read_port = report.source_port_named or report.source_port
    others = [
        i for i in listed.incidents if i.ip not in read or port_of(i.ip, i.lines) not in (None, read_port)
    ]
    if not others or len(others) == len(listed.incidents):
        return report  # the address read is none of the list's: a person sorts it out
    others = others[: incidents.MAX_OTHER_INCIDENTS]  # (counted before: a longer list is cut)
    notice = mime.header(msg, "Message-ID") or ""
    context = "\n".join(listed.context)
    for incident in others:
        lines = "\n".join(incident.lines)
        body = f"One incident of the notice {notice}, filed on its own:\n\n{context}\n\n{lines}\n"
        report.more_reported_raw.append(_filed_on_its_own(msg, body))
    report.note(
        f"the notice lists incidents from {len(others) + 1} source addresses: this report reads one, "
        f"and each other one ({len(others)}) is filed as a report of its own"
    )
    return report


def _filed_on_its_own(msg: Message, body: str) -> bytes:
    """One event of a notice as a message of its own: the notice's header fields, then `body`."""
    fields = []
    for name in ("From", "To", "Subject", "Date", "Auto-Submitted", "Precedence"):
        value = mime.header(msg, name)
        if value:
            fields.append(f"{name}: {' '.join(value.split())}")
    head = "\r\n".join([*fields, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"])
    return f"{head}\r\n\r\n{body}".encode()


def _from_our_own_domain(msg: Message, trust: TrustContext) -> bool:
    """Our own desk's mail coming back (a notice of ours redirected, bounced or quoted):
    never a third party's notice about one of our customers."""
    sender = mime.first_address(mime.header(msg, "From")) or ""
    return "@" in sender and is_under(sender.rpartition("@")[2].lower(), trust.own_domains)


def _redirected(msg: Message) -> bool:
    return any(str(key).lower().startswith("resent-") for key in msg.keys())


def _to_a_role_mailbox(msg: Message) -> bool:
    recipients = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for value in mime.headers(msg, name):
            recipients.extend(mime.addresses(value))
    return any(_ROLE.search(address.rsplit("@", 1)[0].lower()) for address in recipients)


# The provider's own desks a customer writes to (support@, info@, お問い合わせ).
_DESK = re.compile(
    r"(?:^|[-_.+])(?:support|help|helpdesk|info|contact|customer|cs|(?:o)?toiawase)(?:$|[-_.+])"
)


def _to_the_senders_own_provider(msg: Message, trust: TrustContext) -> bool:
    """Written to a role or help desk mailbox of our own domains, or of the sender's own
    mail domain (user@isp.example.jp to support@isp.example.jp: a customer writing to
    us, forwarded to the abuse desk by the help desk)."""
    sender = mime.first_address(mime.header(msg, "From")) or ""
    own = registrable_domain(sender.rpartition("@")[2]) if "@" in sender else None
    for name in ("To", "Cc"):
        for value in mime.headers(msg, name):
            for address in mime.addresses(value):
                local, _, domain = address.rpartition("@")
                if not (_ROLE.search(local.lower()) or _DESK.search(local.lower())):
                    continue
                if is_under(domain, trust.own_domains) or (own and registrable_domain(domain) == own):
                    return True
    return False


def _addressed_as_a_complaint(msg: Message) -> bool:
    """Sent to an abuse mailbox, or forwarded by a person ("FW:")."""
    return _to_a_role_mailbox(msg) or bool(_FORWARD_SUBJECT.match(mime.header(msg, "Subject") or ""))


def _sent_by_our_own_user(report: ParsedReport, trust: TrustContext) -> bool:
    """The message's own origin logged in to one of our mail servers: one of our users
    wrote it (the server's line, trusted, names the login). The server is ours when the
    hop above it was received from one of our mail server addresses, or by its name."""
    at = next((k for k, h in enumerate(report.hops) if h.is_origin), None)
    if at is None or not report.origin_authenticated or not report.hops[at].trusted:
        return False
    above = report.hops[at - 1] if at > 0 else None
    return bool(
        (above is not None and above.from_address and trust.is_own_mail_server(above.from_address))
        or is_under(report.hops[at].by_name, trust.own_domains)
    )


def _written_to_us(msg: Message, prose: str) -> bool:
    """A person writing to an abuse desk about other mail, not the spam itself."""
    subject = mime.header(msg, "Subject") or ""
    speaks = bool(_ABUSE_WORDS.search(subject) or _ABUSE_WORDS.search(prose[:5000]))
    # Spam talks about spam and carries addresses too: only a message sent to an abuse
    # mailbox, or forwarded by a person, is read as someone writing about other mail;
    # or a program's notice (RFC 3834 "auto-generated", not a reply) about abuse at an
    # address it names, whichever of our mailboxes it was sent to.
    addressed = _addressed_as_a_complaint(msg)
    if addressed and speaks:
        return True
    if not (addressed or (speaks and _auto_submitted(msg) in ("auto-generated", "auto-replied"))):
        return False  # (the addresses named are read only when they decide)
    return named_addresses(prose)[0] is not None or named_addresses(subject)[0] is not None


def _from_our_network(report: ParsedReport, trust: TrustContext) -> bool:
    """The message itself came from one of our addresses (a customer's own server)."""
    return bool(report.source_ip) and trust.is_our_address(report.source_ip)


def _complains_about_our_address(msg: Message, prose: str, trust: TrustContext, from_ours: bool) -> bool:
    """Words about abuse naming an address in one of our networks, from a person (not
    a program's mail): spam seldom names one of our addresses, a complaint to us does.

    When the message itself came from one of our customers, any mention will do: read
    as spam, its own route would accuse that customer, who may be the complainant (the
    one mistake the desk must not make). From elsewhere, the words must name the address
    as where mail came from: scams mention an address too ("your IP … has been listed",
    "I hacked your router (IP …)"), and read as spam they name nobody of ours."""
    if is_machine_sender(msg):
        return False
    subject = mime.header(msg, "Subject") or ""
    if not (_ABUSE_WORDS.search(subject) or _ABUSE_WORDS.search(prose[:5000])):
        return False
    named, others = named_addresses(prose)
    ours = [ip for ip in ([named] if named else []) + others[:3] if trust.is_our_address(ip)]
    return bool(ours) and (from_ours or any(_named_as_source(prose, ip) for ip in ours))


# After an address: "198.51.100.23 から", "…より", "… is sending spam", "…が送信".
_SOURCE_AFTER = re.compile(
    r"^(?::\d{1,5})?\s*(?:\([^)\n]{0,80}\)\s*)?\W{0,3}"  # a port, a host name in brackets
    r"(?:から|より|が送信|が発信|[^\n.。]{0,40}?\b(?:is|are|has been|have been|keeps|kept) "
    r"(?:sending|spamming|attacking|scanning)|(?:has )?sent\b)",
    re.IGNORECASE,
)
# Before an address: "from the IP", "from your customer at", "originating at IP",
# "Abusive IP:", "送信元は".
_SOURCE_BEFORE = re.compile(
    r"(?:\bfrom|originat\w*|source|sender|abusive|offending|attacking|送信元|発信元)"
    r"(?:\s+(?:the|your|a|an|our|at|in|ip|ipv4|ipv6|address|host|customer|server|machine|line|network)s?){0,4}"
    r"(?:\s*[はが:：])?\W{0,4}$",
    re.IGNORECASE,
)


def _named_as_source(prose: str, ip: str) -> bool:
    """The words name the address as where mail came from ("from 192.0.2.1", "送信元:
    …", "… から"), not only mention it ("your IP … has been listed", "I hacked your
    router (IP …)": a scam's words, not a complaint's)."""
    text = _plain(prose)
    # ASCII boundaries only: Japanese writes "198.51.100.23から", kana right after it.
    for match in re.finditer(rf"(?<![0-9A-Za-z.]){re.escape(ip)}(?![0-9A-Za-z]|\.\d)", text):
        if not _after_a_label(text, match.start()):
            continue
        before = text[max(0, match.start() - 60) : match.start()]
        after = text[match.end() : match.end() + 100]
        if _FROM_WORDS.search(before) or _SOURCE_BEFORE.search(before) or _SOURCE_AFTER.search(after):
            return True
    return False


def is_automatic_reply(msg: Message) -> bool:
    """A vacation notice or a ticket system's receipt answering mail we sent (RFC 3834
    "auto-replied", and the headers Exchange and the common responders write)."""
    precedence = (mime.header(msg, "Precedence") or "").strip().lower()
    return (
        (_auto_submitted(msg) == "auto-replied" and not _opens_a_ticket(msg))
        or precedence == "auto_reply"
        or any(mime.header(msg, name) is not None for name in ("X-Autoreply", "X-Autorespond"))
        or (mime.header(msg, "X-Auto-Response-Suppress") is not None and _OUT_OF_OFFICE.search(
            mime.header(msg, "Subject") or ""
        ) is not None)
        or _answers_as_away(msg)
    )


# A responder's subject: its words of absence first, then the subject it answers
# ("Auto reply: ...", "Automatic reply: ...", "Out of Office: ...", "自動返信: ..."),
# after a ticket system's tag where it writes one (Request Tracker's default receipt:
# "[rt.example #123456] AutoReply: ...").
_AWAY_SUBJECT = re.compile(
    r"\s*(?:\[[^\]\n]{1,60}#\s?\d{2,}\]\s*)?"  # a ticket system's tag
    r"(?:[\[【(]\s*)?(?:out of (?:the )?office(?: auto ?reply)?|automatic reply"
    r"|auto(?:matic)?[- ]?(?:reply|respon\w*)|vacation(?: reply)?|abwesenheitsnotiz|r[ée]ponse automatique"
    r"|respuesta autom[áa]tica|不在(?:通知)?|自動応答|自動返信)"
    r"\s*(?:[\]】)]|[:：])",
    re.IGNORECASE,
)


def _answers_as_away(msg: Message) -> bool:
    """A vacation notice without RFC 3834's header (iCloud, webmail responders): a
    subject that starts with words of absence, answering a message it names
    (In-Reply-To, References), or marked as a vacation reply by the service."""
    if (mime.header(msg, "X-Apple-Action") or "").strip().upper() == "VACATION":
        return True
    subject = mime.decode_words(mime.header(msg, "Subject") or "")
    if _AWAY_SUBJECT.match(subject) is None:
        return False
    # Answering a message it names, or written by a program (a responder marks its mail
    # Precedence: bulk or junk, or sends it from an address that takes no replies).
    answers = mime.header(msg, "In-Reply-To") or mime.header(msg, "References")
    return bool(answers) or notices.authored_by_a_program(msg) or notices.distributed_in_bulk(msg)


def _opens_a_ticket(msg: Message) -> bool:
    """A ticket system (RT, OTRS) marks the first mail of a ticket it opens about us
    "auto-replied" too: "[CERT-XX #168084] Malicious web shell at …". Unlike a reply, it
    answers no message of ours (no In-Reply-To, no References, no "Re:" and no words of
    absence in its subject) and quotes none."""
    subject = mime.decode_words(mime.header(msg, "Subject") or "")
    sender = mime.first_address(mime.header(msg, "From")) or ""
    own = registrable_domain(sender.rpartition("@")[2]) if "@" in sender else None
    referenced = " ".join(mime.headers(msg, "In-Reply-To") + mime.headers(msg, "References"))
    threads = re.findall(r"<[^<>@\s]+@([^<>\s]+)>", referenced)
    # Its own thread ("<RT-Ticket-172445@nksc.lt>") is no message of ours.
    if any(registrable_domain(domain.lower()) != own for domain in threads):
        return False
    if _REPLY_PREFIX.match(subject) or _OUT_OF_OFFICE.search(subject) or not _TICKET_TAG.search(subject):
        return False
    if _RECEIPT.search(subject):
        return False  # "[Ticket #48213] We received your message": a receipt for ours
    return not re.search(r"^\s*>", materials.find(msg).prose, re.MULTILINE)


_REPLY_PREFIX = re.compile(r"\s*(?:re|aw|sv|vs|antw|r|返信|答复|回复)\s*[:：]", re.IGNORECASE)
_RECEIPT = re.compile(r"receiv|receipt|acknowledg|\bauto|受付|受領|自動", re.IGNORECASE)
_TICKET_TAG = re.compile(r"\[[^\]\n]{1,60}#\s?\d{2,}\]")


_OUT_OF_OFFICE = re.compile(
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|不在|自動応答|自動返信", re.IGNORECASE
)


_AUTOMATIC_REPLY = "an automatic reply (out of office, a ticket receipt): not an abuse report"
_PROGRAMS_NOTICES = {
    notices.RECEIPT: _AUTOMATIC_REPLY,
    notices.LIST_OR_DELIVERY: (
        "a mailing list's or a mail system's notice about a message sent to it "
        "(held for moderation, rejected, not delivered): not an abuse report"
    ),
    notices.SEND_ONLY: (
        "an automatic notice from a sender that takes no replies, reporting no abuse: not an abuse report"
    ),
}


def _automatic_reply(msg: Message, reason: str = _AUTOMATIC_REPLY) -> ParsedReport:
    """Nobody complained: a person's responder answered mail we sent, or a program sent a
    notice. Kept for a person to close, with no address read from its quoted text."""
    report = ParsedReport(format="unknown", category="other", message_kind="machine_report")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.message_id = mime.header(msg, "Message-ID")
    report.fail(reason)
    return report


def _a_programs_mail_reporting_nothing(msg: Message, found: materials.Found) -> str | None:
    """Why a message a program wrote is no abuse report (notices.py), or None.

    Only the message as it reached us: a person forwarding a list's notice or redirecting
    a spam writes about it. A notice that speaks of abuse from an address it names, and a
    send-only notice that speaks of abuse, names an address, or carries a message or a
    table, are a program's complaint (a carrier's, a CERT's, a feed's), read as one."""
    subject = mime.header(msg, "Subject") or ""
    if _redirected(msg) or _FORWARD_SUBJECT.match(subject) or not notices.authored_by_a_program(msg):
        return None
    shaped_as_a_report = mime.content_type(msg) == "multipart/report"
    if shaped_as_a_report or mime.header(msg, "X-ARF") or mime.header(msg, "X-XARF"):
        return None  # a machine report's shape, whatever its reader made of it
    words = notices.own_words(found.prose)
    kind = notices.notice_kind(subject, words)
    if kind == notices.LIST_OR_DELIVERY and _ABUSE_WORDS.search(words):
        # A receiver's notice of abuse it blocked, naming where it came from ("your
        # message from 198.51.100.77 was rejected as spam"): a program's complaint.
        named, others = named_addresses(words)
        if any(_named_as_source(words, ip) for ip in [named, *others[:3]] if ip):
            return None
    if kind == notices.SEND_ONLY and (
        found.material is not None
        or _ABUSE_WORDS.search(subject)
        or _ABUSE_WORDS.search(found.prose[:5000])
        or named_addresses(found.prose)[0] is not None
        or tables.data_attachments(msg)
    ):
        return None
    return _PROGRAMS_NOTICES.get(kind) if kind else None


def _auto_submitted(msg: Message) -> str:
    return (mime.header(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower()


# What a person's or a program's notice is about, from its subject, else its opening
# lines: the first kind named wins, in this order; anything else is spam.
_KINDS = (
    ("phishing", re.compile(r"phish|フィッシング|credential harvest|fake (?:login|bank)|impersonat", re.I)),
    (
        "malware",
        re.compile(
            rf"malware|ransomware|trojan|botnet|{_EDGE}bots?{_END}|drone|infected|{_EDGE}worms?{_END}"
            rf"|web ?shell|{_EDGE}c2{_END}|command and control"
            r"|malicious (?:file|code|download|site|url|content|software)|safe ?browsing"
            r"|harmful (?:site|content)|virus(?:es)? (?:sites?|urls?|uris?)"
            r"|マルウェア|ウイルス|ボット|感染|ランサムウェア|トロイの木馬|バックドア|(?:ウェブ|web ?)シェル",
            re.I,
        ),
    ),
    (
        "login-attack",
        re.compile(
            r"brute[- ]?force|login attempt|failed (?:password|login)|authentication failure|password guess"
            rf"|credential stuffing|{_EDGE}ssh{_END}|{_EDGE}rdp{_END}|wp-login|xmlrpc"
            # 総当たり (brute force), ログイン試行 (login attempts), パスワードリスト攻撃 (stuffing)
            r"|ブルートフォース|不正ログイン|総当た?り|ログイン試行|認証失敗|辞書攻撃|(?:パスワード)?リスト型?攻撃",
            re.I,
        ),
    ),
    ("spamvertised", re.compile(r"spamverti[sz]", re.I)),
    (
        "other",
        re.compile(
            # Feed names join words with "_": Shadowserver's "scan_ntp", "scan_redis".
            r"(?<![A-Za-z])scan(?:s|ning|ned)?(?![A-Za-z])|open (?:resolver|proxy|relay)|vulnerab"
            rf"|{_EDGE}ddos{_END}|{_EDGE}dos(?:[- ]?attacks?|攻撃)"
            # an IDS or firewall-sharing service's notice (myNetWatchman, DShield, fail2ban)
            r"|firewall logs?|intrusion (?:attempts?|detection)|port ?probes?"
            r"|amplification"
            # スキャン (ポートスキャン: a port scan; not a QR code's or a virus scan), オープンリゾルバ,
            # 脆弱性, サービス妨害 (DoS)
            r"|不正アクセス|(?<!QR)(?<!コード)(?<!コードを)(?<!ウイルス)スキャン|オープン(?:リゾルバ|リレー|プロキシ)|脆弱性|サービス妨害|増幅攻撃|不正侵入|侵入検知",
            re.I,
        ),
    ),
)
# A signature's "checked for viruses" says nothing about the complaint.
_SIGNATURE_VIRUS = re.compile(
    r"virus[- ]free|(?:checked|scanned) (?:for|by) (?:\w+ )?(?:viruses|anti-?virus)"
    r"|ウイルス(?:チェック|スキャン|検査)済み?",
    re.IGNORECASE,
)


def _complaint_kind(subject: str | None, prose: str) -> str:
    for text in (subject or "", _SIGNATURE_VIRUS.sub(" ", prose[:1500])):
        for category, words in _KINDS:
            if words.search(text):
                return category
    return "spam"


def _prose_complaint(msg: Message, found: materials.Found, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="raw-spam", category="spam", message_kind="complaint")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.category = _complaint_kind(report.subject, found.prose)
    subject = report.subject or ""
    # A person may write it all in the subject ("Spam from 203.0.113.5 at 2026-11-20
    # 13:12 JST") above an empty body: the subject is read by the same rules, and what
    # the body gives wins.
    named, others = named_addresses(found.prose)
    named_in = found.prose
    in_subject = named_addresses(subject)
    if named is None and in_subject[0] is not None:
        (named, others), named_in = in_subject, subject
        report.note("the address was read from the complaint's subject")
    elif named is not None:  # the body's wins; another in the subject is kept as a signal
        others += [ip for ip in [in_subject[0], *in_subject[1]] if ip and ip != named and ip not in others]
    report.source_ip_named = named
    report.source_port_named = named_port(named_in, named)
    for ip in others:
        report.signal("complainant_named_address", ip)
    if named:
        report.reported_via = "prose"
        date = parse_date(mime.header(msg, "Date"))
        named_time = _named_time(found.prose, date, named, subject)
        if named_time.when is None and subject:
            named_time = _named_time(subject, date, named, subject)
            if named_time.when is not None:
                report.note("the time was read from the complaint's subject")
        when = named_time.when
        for note in named_time.notes:
            report.note(note)
        if when is not None:
            report.occurred_at, report.occurred_at_basis = when, "named"
            report.occurred_at_approximate = named_time.approximate
            if not named_time.zoned:
                # "10:00 ET", "北京时间", a bare "25.11.2026 10:00": a person's wall clock
                # in a zone not named, or not as an offset we know: up to 14 hours off.
                report.occurred_at_no_zone = True
                report.note(
                    "the time the complaint names has no zone we can read: it may be off by up to 14 hours, "
                    "and no dynamic address's holder is named unless one held it all that time"
                )
        else:
            report.occurred_at = parse_date(mime.header(msg, "Date"))
            report.occurred_at_basis = "complaint-date" if report.occurred_at else None
            report.note("the complaint names no time for the spam: the complaint's own date is used")
    else:
        report.note(
            "a person's complaint with neither a copy of the spam nor an address: a person must read it"
        )
    for note in found.notes:
        report.note(note)
    urls = UrlCollector()
    urls.add_text(without_signature(found.prose))  # people paste the advertised links
    _drop_own_links(urls, report.reporter, trust)
    finish(report, urls)
    if about_hosted_content(report, _plain(found.prose), report.subject or ""):
        # A notice about a phishing page or a malware URL: the address beside the URL is
        # the site's server (a shared hosting server, a VPS, a customer's line), never a
        # mail's origin (complaints.attribution.engine reads it so).
        keep_as_site_address(report, report.source_ip_named, "the notice")
    return report


# RFC 3676 4.3: a signature starts at a line of "-- " (many programs drop the space);
# netiquette keeps it to a few lines, and a blank line ends it.
_SIGNATURE = re.compile(r"^--[ \t]?\r?\n(?:[^\r\n]*\S[^\r\n]*(?:\r?\n|$)){0,8}", re.MULTILINE)


# Business signatures without "-- ": a block between rules of one repeated character
# ("━━━━━━━━", "==========", as Japanese mail writes them), or the lines right after a
# closing ("Best regards,", "よろしくお願いいたします。"), as Outlook users write them.
_BLOCK_LINES = r"((?:[^\r\n]*\S[^\r\n]*(?:\r?\n|$)){1,10})"
_RULED_SIGNATURE = re.compile(
    r"^[ \t]*([━─＝=＊*～~_\-—・■□◆◇☆★])\1{9,}[ \t]*\r?\n" + _BLOCK_LINES, re.MULTILINE
)
_CLOSING_SIGNATURE = re.compile(
    r"^[ \t]*(?:(?:best|kind|warm)(?:est)? regards|regards|sincerely(?: yours)?|yours (?:sincerely|truly)"
    r"|thanks(?: and regards)?|thank you|cheers|best(?: wishes)?|all the best"
    r"|よろしくお願い(?:いた|致)?します|以上)"
    r"[ \t]*[,.!。、]?[ \t]*\r?\n(?:[ \t]*\r?\n)?" + _BLOCK_LINES,  # a blank line may follow the closing
    re.MULTILINE | re.IGNORECASE,
)
# A header table (a forward's, a pasted copy's) in such a block: not a signature.
_HEADER_LINE = re.compile(
    r"^[ \t>]*(?:from|to|cc|subject|date|sent|received|差出人|送信者|宛先|件名|日付|送信日時)[ \t]*[:：]",
    re.MULTILINE | re.IGNORECASE,
)


# A signature says who wrote it: an address, a telephone number, a company.
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:\+|\b0)\d[\d\- ()]{7,}\d|\b(?:tel|fax|phone|mobile)\b|電話|〒|携帯"
    r"|株式会社|有限会社|合同会社|\b(?:co\.,? ?ltd|inc|corp|llc|gmbh)\b",
    re.IGNORECASE,
)
# Words that announce a paste ("the spam is below:", "以下のメール"): the ruled block
# after them is the spam's text, not a signature.
_LEAD_IN = re.compile(r"\bbelow\b|\bfollowing\b|as follows|以下|下記|次の", re.IGNORECASE)
# The line right above the rule introduces what follows ("I got this spam again:",
# "こんな迷惑メールが毎日届きます。"): a paste. A signature is set off by a blank line or
# follows the sign-off.
_INTRODUCES = re.compile(r"[:：]\s*$|spam|迷惑|スパム|本文|貼|届", re.IGNORECASE)
# A person's name: a few words, or a short run of Japanese, with no sentence in it.
_NAME_LINE = re.compile(r"(?![【\[(<])[^\r\n@/:。！？!?]{1,24}")
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|@\w+", re.IGNORECASE)


def without_signature(prose: str) -> str:
    """A complainant's words without their signature block: its links (their shop,
    their company) are not what they complain about; text after it is kept."""
    prose = _SIGNATURE.sub("\n", prose)
    prose = _RULED_SIGNATURE.sub(lambda m: _dropped_if(m, _ruled_signature(m)), prose)
    return _CLOSING_SIGNATURE.sub(lambda m: _dropped_if(m, _closing_signature(m)), prose)


def _dropped_if(match: re.Match, signature: bool) -> str:
    return "\n" if signature else match.group(0)


def _ruled_signature(match: re.Match) -> bool:
    """Between rules: a block that says who wrote it (contact details, or the shape of a
    signature: a name and a link), not announced as a paste."""
    block = match.group(match.lastindex)
    before = match.string[max(0, match.start() - 120) : match.start()]
    if _LEAD_IN.search(before) or _HEADER_LINE.search(block):
        return False
    line_above = before[:-1].rsplit("\n", 1)[-1] if before.endswith("\n") else ""
    if line_above.strip() and _INTRODUCES.search(line_above):
        return False  # the text runs straight into the rule from a line about the spam
    return bool(_CONTACT.search(block)) or _signature_shape(block)


def _signature_shape(block: str) -> bool:
    """A few short lines: a name (or a shop's name) and links or handles, no sentences."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    lines = [line for line in lines if not _RULE_LINE.fullmatch(line)]
    if not lines or len(lines) > 6:
        return False
    names = [line for line in lines if _NAME_LINE.fullmatch(line)]
    linked = [line for line in lines if _URL_OR_HANDLE.search(line)]
    rest = [line for line in lines if line not in names and line not in linked]
    short_links = all(len(_URL_OR_HANDLE.sub("", line).strip()) <= 24 for line in linked)
    return bool(names) and bool(linked) and not rest and short_links


_RULE_LINE = re.compile(r"([━─＝=＊*～~_\-—・■□◆◇☆★])\1{9,}")


def _closing_signature(match: re.Match) -> bool:
    """After "Best regards," or "よろしくお願いいたします。": a name comes first."""
    block = match.group(match.lastindex)
    first = block.strip().splitlines()[0].strip() if block.strip() else ""
    return bool(_NAME_LINE.fullmatch(first)) and not _HEADER_LINE.search(block)


def _drop_own_links(urls: UrlCollector, reporter: str | None, trust: TrustContext) -> None:
    """The complainant's own site (a signature, "more about this incident at ...") is not
    what they complain about. Not when the complainant writes from one of our domains:
    a customer complaining about a page we host under our own name keeps that link."""
    own = registrable_domain(reporter.rpartition("@")[2]) if reporter and "@" in reporter else None
    ours = {registrable_domain(d) for d in trust.own_domains}
    if own and own not in ours:
        urls.urls = [u for u in urls.urls if registrable_domain(url_host(u)) != own]


def _spam(msg: Message, trust: TrustContext, *, kind: str) -> ParsedReport:
    report = ParsedReport(format="raw-spam", category="spam", message_kind=kind)
    urls = UrlCollector()
    apply_message(report, msg, trust, urls)
    if kind != "spam":
        report.reporter = mime.first_address(mime.header(msg, "Resent-From")) or mime.first_address(
            mime.header(msg, "From")
        )
        report.reported_via = "redirect"
    _auto_reply(report, msg)
    return finish(report, urls)


def _auto_reply(report: ParsedReport, msg: Message) -> None:
    """An automatic reply (unsubscribe request, vacation notice) sent to us is no spam,
    and the host that sent it is no spam's origin."""
    auto = (mime.header(msg, "Auto-Submitted") or "no").lower()
    unsubscribe = mime.header(msg, "X-Apple-Unsubscribe")
    if auto == "no" and not unsubscribe:
        return
    report.format, report.category, report.message_kind = "unknown", "other", "machine_report"
    if unsubscribe or "unsubscribe" in (report.subject or "").lower():
        report.category = "opt-out"
    report.reporter = report.header_from
    report.header_source_ip = None
    report.note("automatic reply, not an abuse report")


def named_addresses(text: str) -> tuple[str | None, list[str]]:
    """(the address a person names as the source, the other routable ones) in prose.

    Defanged forms ("192.0.2[.]1") count. An address right after "from", "source",
    "送信元"... is preferred; otherwise the first one. Non-routable ones are skipped.
    """
    if not text:
        return None, []
    preferred, others = _named_addresses(text)  # one message's rules ask of the same words
    return preferred, list(others)


@functools.lru_cache(maxsize=32)
def _named_addresses(text: str) -> tuple[str | None, tuple[str, ...]]:
    # NFKC: full-width digits and dots (１９８．５１．１００．２３), as Japanese text writes them.
    text = _plain(text)
    # A table pasted into the words: only its source column names the source (a drone
    # row's C&C server or sinkhole is never read in place of a private source).
    text = tables.only_the_sources_address(text)
    found: list[tuple[int, bool, bool, str]] = []
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            ip, zone = split_zone(match.group(0).strip("[]"))
            if not ip or zone or not is_routable_ip(ip) or _not_one_address(text, match):
                continue
            if not _after_a_label(text, match.start()):
                continue  # "deadbeef:1234:…": the middle of something longer
            line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            if incidents.syslog_host(line, text[match.end() : match.end() + 80]):
                continue  # the device that logged a pasted syslog line, never a source
            before = text[max(0, match.start() - 40) : match.start()]
            near = bool(_FROM_WORDS.search(before) or _FROM_FIELDS.search(line[-300:]))
            target = bool(_TO_WORDS.search(before) or _TO_FIELDS.search(line[-300:]))
            found.append((match.start(), near, target, ip))
    found.sort()
    ordered = list(dict.fromkeys(ip for *_, ip in found))
    # An address near "from"/"source" first; then a table's source column; else the
    # first that is not named as the target.
    row = tables.table_source(text)
    preferred = next((ip for _, near, _, ip in found if near), None)
    preferred = preferred or (row[0] if row and row[0] in ordered else None)
    preferred = preferred or next((ip for _, _, target, ip in found if not target), None)
    preferred = preferred or (ordered[0] if ordered else None)
    return preferred, tuple(ip for ip in ordered if ip != preferred)[:10]


# Before an address: where the abuse went, not where it came from ("DNS lookups to",
# "Destination IP:", "attack against", "宛先").
_TO_WORDS = re.compile(
    r"(?:\bdestination(?:\s+ip)?|\bdst(?:[ _-]?ip)?|\btarget(?:ed)?(?:\s+ip)?|\bvictim|\bhoneypot"
    r"|宛先|攻撃先)\W{0,12}$",
    re.IGNORECASE,
)
# A log line's fields naming the client or the server ("SRC=…", "rip=…", "client=…",
# Postfix's "connect from host.example[…]", a Cisco ASA's "src outside:…/4444"): a pasted
# firewall or mail server line names the sender by its field, not by the words around it.
_FROM_FIELDS = re.compile(
    r"(?:\b(?:src|rip|client|remote)(?:[ _-]?(?:ip|addr(?:ess)?|host))?[ \t]*[=:][ \t]*"
    r"|\bsrc[ \t]+[\w-]{1,20}:"
    r"|\b(?:from[ \t]+|client=)[A-Za-z0-9.-]{1,253}\[)$",
    re.IGNORECASE,
)
_TO_FIELDS = re.compile(
    r"(?:\b(?:dst|lip|local)(?:[ _-]?(?:ip|addr(?:ess)?|host))?[ \t]*[=:][ \t]*|\bdst[ \t]+[\w-]{1,20}:)$",
    re.IGNORECASE,
)
# A name in DNS that starts with an address's digits (a blocklist query
# "198.55.154.24.zen.spamhaus.org", a reverse name "...in-addr.arpa"), a range
# ("185.100.212.0 - 185.100.215.255", as whois writes it) or a prefix ("/22").
_DNS_NAME_AFTER = re.compile(r"\.[A-Za-z][A-Za-z0-9-]*\.")
_RANGE_AFTER = re.compile(r"\s*[-–~]\s*(?:\d{1,3}\.){3}\d{1,3}\b|/\d{1,3}\b")
_RANGE_BEFORE = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}\s*[-–~]\s*$")


# An address in a mail server's diagnostic names the next hop it talked to, the server
# that refused a message ("host mx.example.net[192.0.2.1] said: 550 ...", Exim's "host
# mx.example.net [192.0.2.1]: 550 ...", "mx.example.net [192.0.2.1] did not like our RCPT
# TO", qmail's "192.0.2.1 does not like recipient"): never the source of a spam.
_NEXT_HOP_BEFORE = re.compile(r"\bhost\s+[A-Za-z0-9._-]+\s*\[?\s*$", re.IGNORECASE)
_NEXT_HOP_AFTER = re.compile(r"\]?\s*(?::\s*[45]\d\d\b|said\b)", re.IGNORECASE)
_NEXT_HOP_REFUSED = re.compile(r"\]?\s*(?:did|does) not like\b", re.IGNORECASE)


def _not_one_address(text: str, match: re.Match) -> bool:
    after, before = text[match.end() : match.end() + 40], text[max(0, match.start() - 40) : match.start()]
    host = text[max(0, match.start() - 90) : match.start()]
    if _NEXT_HOP_REFUSED.match(after) or (_NEXT_HOP_AFTER.match(after) and _NEXT_HOP_BEFORE.search(host)):
        return True
    if ":" not in match.group(0) and _DNS_NAME_AFTER.match(after):
        return True
    return bool(_RANGE_AFTER.match(after) or _RANGE_BEFORE.search(before))


# A time the text ties to the abuse itself ("event time", "observed at", "検知日時"), as
# against when the notice was written or received.
_EVENT_WORDS = re.compile(
    r"(?:event|occurr?(?:ed|ence)|observed|detected|seen|attack|incident|logged|timestamp|"
    r"\btime\s*(?:\(utc\)\s*)?[:=]|\bwhen\s*[:=]|\bdate\s*[:=]|発生|検知|観測|受信日時|日時\s*[:：])[^\d\n]{0,20}$",
    re.IGNORECASE,
)
_KANA = re.compile(r"[\u3040-\u30ff]")
_JST = timezone(timedelta(hours=9))


# "203.0.113.130:51234", "203.0.113.130 source port 51234", "送信元ポート番号: 51234":
# the port a person writes with the address, as shared (CGN) addresses need. A bare
# "port 25" is the receiver's service, not the sender's port: only a source port counts,
# or a port written right after the address ("203.0.113.130 port 51234",
# "203.0.113.130 (port 51234)", "203.0.113.130, port 51234"), as a log line writes it.
_PORT_WORDS = (
    r"(?:source|src|client|sender|sending|originating)[ _-]?port(?:\s*(?:number|no\.?))?"
    r"|送信元ポート(?:番号)?"
)


def named_port(text: str, ip: str | None) -> int | None:
    if not text or not ip:
        return None
    text = _plain(text)
    literal = re.escape(ip)
    for pattern in (
        rf"(?<![\d.:]){literal}\]?:(\d{{1,5}})\b" if ":" not in ip else rf"\[{literal}\]:(\d{{1,5}})\b",
        rf"(?<![\d.:]){literal}\]?[^\n\d]{{0,40}}?(?:{_PORT_WORDS})\s*[:=：]?\s*(\d{{1,5}})\b",
        rf"(?:{_PORT_WORDS})\s*[:=：]?\s*(\d{{1,5}})\b[^\n\d]{{0,40}}?(?<![\d.:]){literal}(?![\d.:])",
        rf"(?<![\d.:]){literal}\]?[ \t]*(?:[,(][ \t]*)?(?:port|ポート)(?:[ \t]*(?:number|no\.?|番号))?"
        rf"[ \t]*[:=：#]?[ \t]*(\d{{1,5}})\b",
    ):
        match = re.search(pattern, text, re.IGNORECASE)
        if match and int(match.group(1)) <= 65535:
            return int(match.group(1))
    # A table's source-port column, in the row the source is read from.
    return tables.table_source_port(text, ip)


_BRACKETED_ZONE = re.compile(
    rf"\s*\(?\s*(?:(?:UTC|GMT)\s*([+-])\s*(\d{{1,2}})(?::?(\d{{2}}))?|(UTC|GMT|JST|{_ZONE_WORDS})|({_BRACKETED_NAMES}))"
    r"\s*\)?$"
)


# A person's "10:00 IST", "14:30 CST", "09:00 BST": India's or Ireland's, China's or the
# US Central, Britain's or Bangladesh's. Mail headers follow RFC 822 (CST is US Central),
# but a person writes their own: the time is read with no zone (±14 hours, no dynamic
# address's holder named unless one held it all that time) rather than hours off.
_AMBIGUOUS_AT_END = re.compile(rf"\s*\(?\s*(?:{'|'.join(sorted(AMBIGUOUS_ZONES))})\s*\)?\s*$")


def _unambiguous(stamp: str) -> str:
    return _AMBIGUOUS_AT_END.sub("", stamp)


def _zone_named(match: re.Match) -> str:
    if match.group(1):  # UTC+09:00, GMT+9: the offset itself
        return f" {match.group(1)}{int(match.group(2)):02d}{match.group(3) or '00'}"
    if match.group(5):  # "(KST)", "(CEST)": the zone's letters, as parse_date reads them
        return f" {match.group(5)}"
    return " JST" if zone_word_offset(match.group(4)) == 9 * 60 else " UTC"  # "日本時間", "世界標準時"


class NamedTime(NamedTuple):
    when: datetime | None = None
    notes: tuple[str, ...] = ()
    zoned: bool = False  # the text names the zone (or is Japanese: JST)
    approximate: bool = False  # "14時頃", "14時", "14時半": a person's round time


_APPROXIMATE_NOTE = (
    "the complaint gives a rough time (an hour, a half hour or 'around'): a dynamic address's holder is "
    "named only if one held it an hour either side"
)


# Text that is Japanese without kana: a form of kanji labels ("送信元IP：", "受信日時：")
# with a Japanese date or time (年月日, 時分). Chinese writes 年月日 too (Beijing is UTC+8,
# not JST): characters only Chinese uses (时, 间, 发, 邮件, 垃圾, 們...) keep it out.
_JA_DATE_FORM = re.compile(
    r"\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d\s*月\s*\d{1,2}\s*日|\d\s*時\s*\d{1,2}\s*分"
)
_CHINESE_ONLY = re.compile(r"[时间发邮们这对请垃圾們這來發對]|郵件")


def _is_japanese(text: str, subject: str = "") -> bool:
    """Written in Japanese: kana (Chinese has none) in the text, or, with no character only
    Chinese uses, kana in its subject or a Japanese date form in the text."""
    if _KANA.search(text):
        return True
    subject = unicodedata.normalize("NFKC", subject or "")
    if _CHINESE_ONLY.search(text) or _CHINESE_ONLY.search(subject):
        return False
    return bool(_KANA.search(subject) or _JA_DATE_FORM.search(text))


# A day named by the complaint relative to its own date (本日/今日 today, 昨日 yesterday,
# 一昨日 the day before) or by its number alone ("20日"), right before a time.
_RELATIVE_DAY = re.compile(
    r"(?:(?P<word>本日|今日|きょう|一昨日|おととい|昨日|きのう)|(?<![\d月年/.\-])(?P<day>\d{1,2})\s*日)"
    rf"(?=\s*(?:\([^)\n]{{1,4}}\)\s*)?(?:[のは、,]\s*)?(?:(?:{_HALF}|約|およそ)\s*)?\d{{1,2}}\s*(?::\d{{2}}|時(?!間)))"
)
_DAYS_BACK = {"本日": 0, "今日": 0, "きょう": 0, "昨日": 1, "きのう": 1, "一昨日": 2, "おととい": 2}


def _days_supplied(text: str, reference: datetime | None) -> tuple[str, str | None]:
    """The text with a day named relative to the complaint's own date ("本日", "昨日",
    "20日") written as its date in Japan: a Japanese writer's today is Japan's. No Date
    on the complaint: left (nothing to count from)."""
    if reference is None:
        return text, None
    today = reference.astimezone(_JST).date()
    supplied: list[date] = []

    def dated(match: re.Match) -> str:
        if match["word"]:
            when = today - timedelta(days=_DAYS_BACK[match["word"]])
        else:
            if re.search(r"[\d月年]\s*$", text[max(0, match.start() - 3) : match.start()]):
                return match.group(0)  # "11月 20日": the month is written
            when = _latest_day(int(match["day"]), today)
            if when is None:
                return match.group(0)
        supplied.append(when)
        return f"{when.year}年{when.month}月{when.day}日"

    text = _RELATIVE_DAY.sub(dated, text)
    if not supplied:
        return text, None
    return text, (
        f"the complaint names the day relative to its own date: {supplied[0].isoformat()} taken (in Japan)"
    )


def _latest_day(day: int, today: date) -> date | None:
    """The latest date with this day of the month not after `today`, within two months."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            when = date(year, month, day)
        except ValueError:  # no 31st this month
            when = None
        if when is not None and when <= today:
            return when
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return None


# Dates and times in kanji numerals, as some write them by hand: 二〇二六年十一月二十日,
# 十一月二十日午後一時十二分, 令和八年. Only a whole date (月 and 日), or a time after 午前 or
# 午後 or right after such a date, is read: 一時 alone is also "for a while" (一時的).
_KANJI_NUMERAL = "〇零一二三四五六七八九十百千"
_KN = rf"(?:\d{{1,4}}|[{_KANJI_NUMERAL}]{{1,6}})"
_KANJI_DATE_TIME = re.compile(
    rf"(?:(?:令和\s*)?(?:{_KN}|元)\s*年\s*)?{_KN}\s*月\s*{_KN}\s*日"
    rf"(?:\s*(?:[(（][^)）\n]{{1,4}}[)）]|[月火水木金土日]曜日?))?"
    rf"(?:\s*(?:午前|午後)?\s*{_KN}\s*時(?:\s*{_KN}\s*分)?(?:\s*{_KN}\s*秒)?)?"
    rf"|(?:午前|午後)\s*{_KN}\s*時(?:\s*{_KN}\s*分)?(?:\s*{_KN}\s*秒)?"
    rf"|(?<=本日|今日|昨日)\s*(?:[のは、]\s*)?{_KN}\s*時(?:\s*{_KN}\s*分)?(?:\s*{_KN}\s*秒)?"
)
_KANJI_RUN = re.compile(rf"[{_KANJI_NUMERAL}]+")
_KANJI_DIGIT = {ch: n for n, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}


def _kanji_number(run: str) -> str:
    """二〇二六 → 2026 (digit by digit), 二十三 → 23, 十一 → 11 (with units)."""
    if not any(ch in _KANJI_UNIT for ch in run):
        return "".join(str(_KANJI_DIGIT[ch]) for ch in run)
    total = current = 0
    for ch in run:
        if ch in _KANJI_UNIT:
            total += (current or 1) * _KANJI_UNIT[ch]
            current = 0
        else:
            current = current * 10 + _KANJI_DIGIT[ch]
    return str(total + current)


def _kanji_dates(text: str) -> str:
    """The dates and times written in kanji numerals, in Arabic ones (the rest untouched)."""
    if not _KANJI_RUN.search(text):
        return text
    return _KANJI_DATE_TIME.sub(lambda m: _KANJI_RUN.sub(lambda n: _kanji_number(n[0]), m[0]), text)


def _years_supplied(text: str, reference: datetime | None, japanese: bool = False) -> tuple[str, str | None]:
    """The text with 令和 years as Western ones, and a year before a month and day that
    have none: the latest that is not after the complaint was written (a person writes
    the day of last week's spam without its year). No Date on the complaint: left."""
    text = _kanji_dates(text)
    text = _REIWA.sub(lambda m: f"{2018 + (1 if m[1] == '元' else int(m[1]))}年", text)
    if reference is None:
        return text, None
    japan = reference.astimezone(_JST).date()
    # Anyone else may be up to 14 hours ahead of UTC: their today can be UTC's tomorrow.
    anywhere = (reference + timedelta(hours=14)).date()
    supplied: list[int] = []

    def year_for(month: int, day: int, today: date) -> int | None:
        for year in (today.year, today.year - 1):
            try:
                when = date(year, month, day)
            except ValueError:  # no such day (31 November, 29 February of that year)
                continue
            if when <= today:
                # Half a year back or more: a day after the complaint (a deadline "by
                # 11月25日"), not the spam's; no year is supplied.
                if (today - when).days > 183:
                    return None
                supplied.append(year)
                return year
        return None

    def ja(match: re.Match) -> str:
        if re.search(r"年\s*$", text[max(0, match.start() - 4) : match.start()]):
            return match.group(0)
        year = year_for(int(match[1]), int(match[2]), japan)
        return match.group(0) if year is None else f"{year}年{match.group(0)}"

    def slash(match: re.Match) -> str:
        year = year_for(int(match[1]), int(match[2]), japan)
        return match.group(0) if year is None else f"{year}/{match.group(0)}"

    def english(match: re.Match) -> str:
        year = year_for(_MONTHS[match["mon"][:3].lower()], int(match["d"]), anywhere)
        return match.group(0) if year is None else f"{match.group(0)} {year}"

    text = _EN_MONTH_DAY.sub(english, text)
    text = _EN_DAY_MONTH.sub(english, text)
    text = _JA_MONTH_DAY.sub(ja, text)
    if japanese:  # month/day is the Japanese order; elsewhere it may be day/month
        text = _SLASH_MONTH_DAY.sub(slash, text)
    if not supplied:
        return text, None
    return text, f"the complaint's date names no year: {supplied[0]} taken, the latest not after it"


def _named_time(
    text: str, reference: datetime | None = None, address: str | None = None, subject: str = ""
) -> NamedTime:
    """The instant the complaint names, with notes on what was assumed, or NamedTime().

    The first time tied to the abuse by the words before it wins; else the first time.
    `reference` is the complaint's own date (for a date written without its year, or a
    day named relative to it); `subject` its subject (for the language it is written in)."""
    text = _plain(text)
    # A Japanese writer (kana: Chinese has none) means JST by a wall-clock time, as our
    # customers do; anyone else's zone-less time is up to 14 hours off either way.
    japanese = _is_japanese(text, subject)
    text, year_note = _years_supplied(text, reference, japanese)
    text, day_note = _days_supplied(text, reference)
    found: list[tuple[int, datetime, str | None, bool, bool]] = []
    for pattern in (_ISO_DATE, _RFC_DATE, _SLASH_DATE, _LONG_DATE):
        for match in pattern.finditer(text):
            stamp, note = _unambiguous(_BRACKETED_ZONE.sub(_zone_named, match.group(0))), None
            zoned = stated_offset(stamp) is not None
            if pattern is _SLASH_DATE and japanese and not zoned:
                stamp, note = stamp + " +0900", "the complaint's date names no time zone: JST assumed"
                zoned = True
            when = parse_date(stamp)
            if when is not None:
                found.append((match.start(), when, note, zoned, False))
    for pattern in _WRITTEN_DATES:
        for match in pattern.finditer(text):
            written = _written_date(match)
            if written is None:
                continue
            stamp, rough = written
            stamp = _unambiguous(stamp)
            # "between 05:00 and 06:00 …", "05:00-06:00 …": one end of a span, not the time.
            rough = rough or bool(_SPAN_BEFORE.search(text[max(0, match.start() - 30) : match.start()]))
            zoned, note = stated_offset(stamp) is not None, None
            if japanese and not zoned and _YEAR_FIRST.match(match.group(0)):
                # 2026.11.20 14:29 in Japanese text: written like 2026/11/20, read like it
                stamp, note = stamp + " +0900", "the complaint's date names no time zone: JST assumed"
                zoned = True
            when = parse_date(stamp)
            if when is not None:
                found.append((match.start(), when, note, zoned, rough))
    for match in _JA_DATE.finditer(text):
        half = match["half"] or match["half2"] or ""
        if match["smonth"] and not (half or "時" in match.group(0)):
            continue  # 2026/11/20 14:29: _SLASH_DATE's, with its zone after the time
        year, month, day = (
            int(match["year"]),
            int(match["month"] or match["smonth"]),
            int(match["day"] or match["sday"]),
        )
        hour = int(match["hour"])
        minute = match["minute"] or match["minute2"]
        approximate = bool(match["about"] or match["approx"] or match["han"] or minute is None)
        minute = 30 if match["han"] else int(minute or 0)
        if (half == "午後" or half[:1] in ("P", "p")) and hour < 12:  # afternoon: 午後2時, PM2:00 are 14:00
            hour += 12
        elif (half == "午前" or half[:1] in ("A", "a")) and hour == 12:  # 午前12時, AM12:00 are midnight
            hour = 0
        second = int(match["sec"] or match["sec2"] or 0)
        zone = match["zone"]
        minutes = zone_word_offset(zone) if zone else None
        if minutes is None:  # no zone written: a Japanese writer's is JST; anyone else's unknown
            minutes = 9 * 60 if japanese else 0
        if minutes == 0 and zone and match["sign"] and int(match["oh"]) <= 14:  # UTC+09:00, GMT+9
            minutes = (-1 if match["sign"] == "-" else 1) * (int(match["oh"]) * 60 + int(match["om"] or 0))
        sign = "-" if minutes < 0 else "+"
        offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        when = parse_date(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{offset}")
        if when is not None:
            assumed = "the complaint's Japanese date names no time zone: JST assumed"
            note = None if zone or not japanese else assumed
            found.append((match.start(), when, note, bool(zone) or japanese, approximate))
    if not found:
        return NamedTime()
    # Two readings of one time (a long date, and the same with its zone in words): the zoned one.
    found.sort(key=lambda item: (item[0], not item[3]))
    tied = [item for item in found if _EVENT_WORDS.search(text[max(0, item[0] - 40) : item[0]])]
    if not tied and address:
        # The time written beside the address the complaint names, not an earlier one
        # (an invoice's date, a deadline, the day they first wrote to us).
        spots = [m.start() for m in re.finditer(re.escape(address), text)]
        near = [(min(abs(item[0] - at) for at in spots), item) for item in found] if spots else []
        near = [pair for pair in near if pair[0] <= 160]
        tied = [min(near, key=lambda pair: pair[0])[1]] if near else []
    row = tables.table_source(text)
    if row is not None and (at := text.find(row[1])) >= 0:
        # A table's row: the event's own time is in the row of the source it names,
        # unless the row writes it with no zone and the words gave it with one.
        in_row = [item for item in found if at <= item[0] < at + len(row[1])]
        if not (in_row and not any(item[3] for item in in_row) and any(item[3] for item in tied)):
            tied = in_row or tied
    start, when, note, zoned, approximate = (tied or found)[0]
    if not zoned and (declared := declared_offset(text, start)) is not None:
        # Read as UTC so far: the wall clock in the zone the report declares.
        when, zoned = when - timedelta(minutes=declared), True
        sign = "+" if declared >= 0 else "-"
        note = f"the report declares its times in UTC{sign}{abs(declared) // 60:02d}:{abs(declared) % 60:02d}"
    notes = tuple(n for n in (year_note, day_note, note, _APPROXIMATE_NOTE if approximate else None) if n)
    return NamedTime(when, notes, zoned, approximate)


