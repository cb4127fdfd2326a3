"""SpamCop reports: "Email from IP / date" summary plus the munged offending message."""

from __future__ import annotations

import re
from email.message import Message

from . import mime
from .common import find_embedded, finish, state_source, state_time, wrapper_parts
from .model import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector

_EMAIL_FROM = re.compile(r"^\s*Email from\s+\[?([0-9A-Fa-f:.]{2,45})\]?\s*/\s*(.{6,80}?)\s*$", re.MULTILINE)
_SPAMVERTISED = re.compile(r"^\s*Spamvertised web site:\s*(\S+)", re.MULTILINE | re.IGNORECASE)
_OFFENDING = re.compile(r"^\[\s*Offending message\s*\]\s*$", re.MULTILINE | re.IGNORECASE)


def read_spamcop(msg: Message, trust: TrustContext) -> ParsedReport | None:
    sender = (mime.first_address(mime.header(msg, "From")) or "").lower()
    for part in wrapper_parts(msg):
        if mime.content_type(part) != "text/plain" or part.is_multipart():
            continue
        text = mime.part_text(part)
        summary = _EMAIL_FROM.search(text)
        if summary or (sender.endswith("spamcop.net") and _SPAMVERTISED.search(text)):
            return _read(msg, text, summary, trust)
    return None


def _read(msg: Message, text: str, summary, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="spamcop", feedback_type="abuse", category="spam")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    if summary:
        state_source(report, summary.group(1), "SpamCop Email from")
        state_time(report, summary.group(2), "SpamCop Email from date")
    urls = UrlCollector()
    for match in _SPAMVERTISED.finditer(text):
        urls.add(match.group(1))
    _, inner = find_embedded(msg)
    raw = mime.message_bytes(inner) if inner is not None else None
    offending = _OFFENDING.search(text)
    if inner is None and offending:
        raw = text[offending.end() :].lstrip("\n").encode("utf-8", "replace")
        inner = mime.parse_message(raw)
    if inner is not None:
        apply_message(report, inner, trust, urls)
        report.reported_message_raw = raw
    else:
        report.note("no copy of the offending message")
    return finish(report, urls)
