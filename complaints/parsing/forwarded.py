"""Spam as a person sends it to us: attached to a note, pasted inline, or the message itself."""

from __future__ import annotations

import re
from email.message import Message

from . import mime
from .common import find_embedded, finish, wrapper_parts
from .model import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector

MESSAGE_HEADERS = ("from", "received", "subject", "date", "message-id", "to", "return-path", "content-type")
# Lines mail clients put above an inline forward (Gmail, Thunderbird, Apple Mail,
# Outlook, and the Japanese forms of Thunderbird and Becky!).
_INLINE_MARKER = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|転送メッセージ|転送されたメッセージ"
    r"|元のメッセージ)\s*-{2,}|Begin forwarded message:)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def has_message_headers(msg: Message) -> bool:
    return any(key.lower() in MESSAGE_HEADERS for key in msg.keys())


def read_forwarded(msg: Message, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="raw-spam", category="spam")
    urls = UrlCollector()
    _, inner = find_embedded(msg)
    if inner is not None and has_message_headers(inner):
        report.reporter = mime.first_address(mime.header(msg, "From"))
        apply_message(report, inner, trust, urls)
        report.reported_message_raw = mime.message_bytes(inner)
        return finish(report, urls)
    inline = _inline_forward(msg)
    if inline is not None:
        # The sender's own Received chain says nothing about the spam: never use it.
        report.reporter = mime.first_address(mime.header(msg, "From"))
        apply_message(report, mime.parse_message(inline), trust, urls)
        report.reported_message_raw = inline
        report.note("spam forwarded inline: its original headers are incomplete")
        return finish(report, urls)
    apply_message(report, msg, trust, urls)
    _auto_reply(report, msg)
    return finish(report, urls)


def _inline_forward(msg: Message) -> bytes | None:
    for part in wrapper_parts(msg):
        if mime.content_type(part) != "text/plain":
            continue
        text = mime.part_text(part)
        marker = _INLINE_MARKER.search(text)
        if marker is None:
            continue
        lines = text[marker.end() :].lstrip("\n").splitlines()
        unquoted = "\n".join(re.sub(r"^> ?", "", line) for line in lines)
        return unquoted.replace("\nSent: ", "\nDate: ", 1).encode("utf-8", "replace")
    return None


def _auto_reply(report: ParsedReport, msg: Message) -> None:
    """An automatic reply (unsubscribe request, vacation notice) sent to us is no spam."""
    auto = (mime.header(msg, "Auto-Submitted") or "no").lower()
    unsubscribe = mime.header(msg, "X-Apple-Unsubscribe")
    if auto == "no" and not unsubscribe:
        return
    report.format, report.category = "unknown", "other"
    if unsubscribe or "unsubscribe" in (report.subject or "").lower():
        report.category = "opt-out"
    report.reporter = report.header_from
    report.note("automatic reply, not an abuse report")
