"""Facts from the reported message itself: hops, addresses, bodies, URLs."""

from __future__ import annotations

from email.message import Message

from . import mime
from .dates import parse_date
from .model import ParsedReport, TrustContext
from .origin import MAX_HOPS, analyse_chain
from .received import parse_received
from .urls import UrlCollector, html_to_text

MAX_BODY = 200_000  # characters kept for display
_LOGIN_HEADERS = ("X-Authenticated-Sender", "X-Authed-Username", "X-Source-Auth")


def apply_message(report: ParsedReport, msg: Message, trust: TrustContext, urls: UrlCollector) -> None:
    """Fill the report with what the reported message (or its headers) shows."""
    hops = [parse_received(v) for v in mime.raw_headers(msg, "Received")[:MAX_HOPS]]
    chain = analyse_chain(hops, trust, mime.headers(msg, "Authentication-Results"))
    report.hops = chain.hops
    if chain.origin is not None:
        report.header_source_ip = chain.origin.from_address
    if report.authenticated is None or chain.authenticated:
        report.authenticated = chain.authenticated
        report.authenticated_as = report.authenticated_as or chain.authenticated_as
    if report.authenticated and not report.authenticated_as:
        report.authenticated_as = _login_header(msg)
    _addresses(report, msg)
    _bodies(report, msg, urls)


def clean_message_id(value: str | None) -> str | None:
    """Message-ID without angle brackets or whitespace (which an ID cannot contain)."""
    if not value:
        return None
    return "".join(value.split()).strip("<>") or None


def _login_header(msg: Message) -> str | None:
    # Only a name for a login already shown by the chain: on their own these headers
    # may come from a forwarder on the receiving side.
    for name in _LOGIN_HEADERS:
        value = mime.header(msg, name)
        if value:
            return value.split()[0].strip("<>")
    return None


def _addresses(report: ParsedReport, msg: Message) -> None:
    report.subject = report.subject or mime.header(msg, "Subject")
    message_id = mime.header(msg, "Message-ID")
    if message_id:
        report.message_id = clean_message_id(message_id) or report.message_id
    report.header_from = mime.first_address(mime.header(msg, "From")) or report.header_from
    to = []
    for value in mime.headers(msg, "To") + mime.headers(msg, "Cc"):
        to.extend(a for a in mime.addresses(value) if a not in to)
    report.header_to = to[:100] or report.header_to
    if not report.mail_from:
        report.mail_from = mime.first_address(mime.header(msg, "Return-Path"))
    if not report.rcpt_to:
        rcpt = []
        for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
            for value in mime.headers(msg, name):
                rcpt.extend(a for a in mime.addresses(value) if a not in rcpt)
        report.rcpt_to = rcpt[:100]
    report.date = parse_date(mime.header(msg, "Date"))


def _bodies(report: ParsedReport, msg: Message, urls: UrlCollector) -> None:
    root = msg
    if mime.content_type(msg).startswith("multipart/") and not msg.is_multipart():
        repaired = mime.repair_boundary(msg)
        if repaired is not None:
            report.note("boundary mismatch: the declared MIME boundary is not used in the body")
            root = repaired
    texts, markups = [], []
    for part in mime.walk(root):
        ctype = mime.content_type(part)
        if ctype not in ("text/plain", "text/html") or part.is_multipart():
            continue
        text = mime.part_text(part)
        if ctype == "text/html":
            markups.append(text)
            urls.add_html(text)
        else:
            texts.append(text)
            urls.add_text(text)
    if texts:
        report.body_text = "\n\n".join(texts)[:MAX_BODY]
    elif markups:
        report.body_text = html_to_text(markups[0])[:MAX_BODY]
    if markups:
        report.body_html = markups[0][:MAX_BODY]
