"""SpamCop reports: "Email from IP / date" summary plus the munged offending message.

What SpamCop has sent over the years, all read here:
- Subject "[SpamCop (<source IP or spamvertised URL>) id:<n>]<spam subject>", From
  <n>@reports.spamcop.net, an X-SpamCop-sourceip header (sometimes empty);
- a body with a "[ SpamCop V1.3.4 ]" or "- SpamCop V1.3.3 -" banner, the summary line
  "Email from <ip> / <date>" (the date may be cut short), the "Report spam to:" block
  ("Re: <ip> (Administrator of network where email originates)"), "Spamvertised web
  site:" lines (whose "is <ip>" names the web host, never the mail source);
- the spam after "[ Offending message ]" or "Offending message:", sometimes between
  BEGIN/END FORWARDED MESSAGE rules, or attached as message/rfc822.
"""

from __future__ import annotations

import re
from email.message import Message

from . import mime
from .common import find_embedded, finish, state_source, state_time, wrapper_parts
from .content import keep_as_site_address
from .hosts import normalise_ip
from .material import has_message_headers
from .parsed import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector

_IP = r"\[?([0-9A-Fa-f:.]{2,45})\]?"
_EMAIL_FROM = re.compile(rf"^\s*Email from:?\s+{_IP}(?:\s*/\s*(.{{6,80}}?))?\s*$", re.MULTILINE)
_REPORT_TO = re.compile(
    rf"^\s*Re:\s+{_IP}\s+\(Administrator of network where email originates\)", re.MULTILINE | re.IGNORECASE
)
_SUBJECT = re.compile(r"^\s*\[SpamCop \(([^()\s]*)\) id:\s*\d+\]", re.IGNORECASE)
_BANNER = re.compile(r"^\s*(?:\[\s*SpamCop V[\d.]+\s*\]|-\s*SpamCop V[\d.]+\s*-)\s*$", re.MULTILINE)
_SPAMVERTISED = re.compile(r"^\s*Spamvertised web site:\s*(\S+)", re.MULTILINE | re.IGNORECASE)
_HOSTED_AT = re.compile(r"^\s*(\S+://\S+) is ([0-9A-Fa-f:.]{2,45});", re.MULTILINE)
_OFFENDING = re.compile(
    r"^\s*(?:\[\s*Offending message\s*\]|Offending message:)[ \t]*$", re.MULTILINE | re.IGNORECASE
)
_FORWARD_RULES = re.compile(
    r"^=+\s*BEGIN FORWARDED MESSAGE\s*=+[ \t]*\n(.*?)(?:^=+\s*END FORWARDED MESSAGE\s*=+[ \t]*$|\Z)",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)


def read_spamcop(msg: Message, trust: TrustContext) -> ParsedReport | None:
    sender = (mime.first_address(mime.header(msg, "From")) or "").lower()
    subject = _SUBJECT.match(mime.header(msg, "Subject") or "")
    for part in wrapper_parts(msg):
        if mime.content_type(part) != "text/plain" or part.is_multipart():
            continue
        text = mime.part_text(part)
        summary = _EMAIL_FROM.search(text)
        from_spamcop = sender.endswith("spamcop.net") or subject is not None or _BANNER.search(text)
        if summary or (from_spamcop and (_SPAMVERTISED.search(text) or _OFFENDING.search(text))):
            return _read(msg, text, summary, subject, trust)
    return None


def _read(msg: Message, text: str, summary, subject, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="spamcop", feedback_type="abuse", category="spam")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    urls = UrlCollector()
    spamvertised = [m.group(1) for m in _SPAMVERTISED.finditer(text)]
    for url in spamvertised:
        urls.add(url)
    if subject and spamvertised and not _is_ip_like(subject.group(1)):
        # A report about the advertised site, sent to whoever hosts it: the mail's
        # source is someone else's; the site, and the address SpamCop found it at, ours.
        report.category = "spamvertised"
        for match in _HOSTED_AT.finditer(text):
            report.signal("spamvertised_site_address", f"{match.group(1)} {match.group(2)}")
        found = {normalise_ip(m.group(2)) for m in _HOSTED_AT.finditer(text)} - {None}
        if len(found) == 1:
            # The address SpamCop resolved the site to, when it reported: where the site is.
            keep_as_site_address(report, found.pop(), "the SpamCop report")
    if summary:
        state_source(report, summary.group(1), "SpamCop Email from")
        state_time(report, summary.group(2), "SpamCop Email from date")
    report_to = _REPORT_TO.search(text)
    if report_to:
        state_source(report, report_to.group(1), "SpamCop Report spam to")
    if subject and not spamvertised and _is_ip_like(subject.group(1)):
        # "(ip)" names the source; in a spamvertised-site report it is the URL instead.
        state_source(report, subject.group(1), "SpamCop Subject")
    header_ip = (mime.header(msg, "X-SpamCop-sourceip") or "").strip()
    if header_ip:
        state_source(report, header_ip, "X-SpamCop-sourceip")
    _, inner = find_embedded(msg)
    raw = mime.message_bytes(inner) if inner is not None else None
    offending = _OFFENDING.search(text)
    if inner is None and offending:
        rest = text[offending.end() :].lstrip("\n")
        wrapped = _FORWARD_RULES.match(rest)
        rest = wrapped.group(1) if wrapped else rest
        raw = rest.lstrip("\n").encode("utf-8", "surrogateescape")
        inner = mime.parse_message(raw)
        if not has_message_headers(inner):
            inner = None
    if inner is not None:
        apply_message(report, inner, trust, urls)
        report.reported_message_raw = raw
    else:
        report.note("no copy of the offending message")
    return finish(report, urls)


def _is_ip_like(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Fa-f:.]{2,45}", value or "")) and any(c in value for c in ".:")
