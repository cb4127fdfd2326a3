"""ARF (RFC 5965) feedback reports, DMARC failure reports, Microsoft JMRP, Exim DMARC text."""

from __future__ import annotations

import re
from email.message import Message

from . import mime
from .common import (
    FEEDBACK_CATEGORIES,
    embedded_message,
    find_embedded,
    finish,
    first,
    has,
    parse_fields,
    state_source,
    state_time,
    stated_port,
    values,
    wrapper_parts,
)
from .material import MAX_OTHERS, in_text
from .origin import SMTP_AUTH_RESULT
from .parsed import ParsedReport, TrustContext
from .reported import apply_message, clean_message_id
from .urls import UrlCollector

_JMRP_SUBJECT = re.compile(r"complaint about message from\s+\[?([0-9A-Fa-f:.]+)", re.IGNORECASE)
_EXIM_IP = re.compile(r"^\s*Sender IP Address:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_EXIM_DATE = re.compile(r"^\s*Received date:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_EXIM_COPY = re.compile(
    r"^-+ This is a copy of (?:the headers|the message)[^\n]*\n", re.IGNORECASE | re.MULTILINE
)


def read_arf(msg: Message, trust: TrustContext) -> ParsedReport | None:
    feedback = _feedback_part(msg)
    if feedback is None:
        return None
    fields = parse_fields(mime.decode_bytes(mime.part_bytes(feedback)[:1_000_000]))
    feedback_type = (first(fields, "Feedback-Type") or "").lower() or None
    if feedback_type in ("xarf", "x-arf"):
        # The ARF wrapper only says "the report is XARF": the report itself is the JSON
        # (or X-ARF) part beside it (Netcraft and others), which the X-ARF reader takes.
        return None
    report = ParsedReport(format="dmarc-forensic" if feedback_type == "auth-failure" else "arf")
    report.feedback_type = feedback_type
    report.category = FEEDBACK_CATEGORIES.get(feedback_type or "", "other")
    if report.category == "not-spam":
        report.note(
            "a not-spam feedback report: a recipient took this message out of a spam folder; "
            "it is kept with the case and never counted as a complaint"
        )
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.user_agent = first(fields, "User-Agent")
    # Old and home-made FBLs name the fields loosely; field_key ignores case and punctuation.
    for name in ("Source-IP", "Sender-IP", "Originating-IP", "Source-Address"):
        state_source(report, first(fields, name), name)
    # RFC 6692: the source port of the connection Source-IP came from (shared IPv4).
    port = stated_port(report, first(fields, "Source-Port"), "Source-Port")
    report.source_port_stated = port if port is not None else report.source_port_stated
    for name in ("Arrival-Date", "Received-Date", "Arrival-Time"):  # Received-Date: the pre-RFC drafts
        if first(fields, name):
            state_time(report, first(fields, name), name)
            break
    domains = [d.lower() for value in values(fields, "Reported-Domain") for d in value.split()]
    report.reported_domains = list(dict.fromkeys(domains))[:50]
    report.mail_from = mime.first_address(first(fields, "Original-Mail-From")) or None
    report.rcpt_to = [a for v in values(fields, "Original-Rcpt-To") for a in mime.addresses(v)][:100]
    for value in values(fields, "Authentication-Results"):
        login = SMTP_AUTH_RESULT.search(value)
        if login:  # only the sender's own provider sees an SMTP AUTH login
            report.authenticated, report.authenticated_as = True, login.group(1)
            report.origin_authenticated = True
    urls = UrlCollector()
    for value in values(fields, "Reported-Uri"):
        urls.add(value.strip())
    _apply_embedded(report, msg, feedback, trust, urls)
    report.message_id = report.message_id or clean_message_id(first(fields, "Message-ID"))
    return finish(report, urls)


def read_jmrp(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """Microsoft JMRP: multipart/mixed, the complained-about message attached, IP in Subject;
    or (older) the complained-about message re-sent whole under X-HmXmr* fields."""
    subject = mime.header(msg, "Subject") or ""
    match = _JMRP_SUBJECT.search(subject)
    part, inner = find_embedded(msg)
    if inner is None and mime.header(msg, "X-HmXmrOriginalRecipient"):
        inner = msg  # the re-sent form: the walk starts below the X-HmXmr* fields
    if inner is None or not (match or mime.header(inner, "X-HmXmrOriginalRecipient")):
        return None
    report = ParsedReport(format="jmrp", feedback_type="abuse", category="spam")
    report.reporter = None if inner is msg else mime.first_address(mime.header(msg, "From"))
    if match:
        state_source(report, match.group(1), "Subject")
    urls = UrlCollector()
    apply_message(report, inner, trust, urls)
    report.reported_message_raw = mime.message_bytes(inner)
    return finish(report, urls)


def read_dmarc_text(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """Exim's DMARC forensic mail: plain text with "Sender IP Address:" and pasted headers."""
    for part in wrapper_parts(msg):
        if mime.content_type(part) != "text/plain":
            continue
        text = mime.part_text(part)
        source = _EXIM_IP.search(text)
        if not source or "dmarc" not in text.lower():
            continue
        report = ParsedReport(format="dmarc-forensic", feedback_type="auth-failure", category="auth-failure")
        report.reporter = mime.first_address(mime.header(msg, "From"))
        state_source(report, source.group(1), "Sender IP Address")
        date = _EXIM_DATE.search(text)
        state_time(report, date.group(1) if date else None, "Received date")
        urls = UrlCollector()
        copy = _EXIM_COPY.search(text)
        if copy:
            pasted = text[copy.end() :].lstrip("\n").encode("utf-8", "replace")
            inner = mime.parse_message(pasted)
            apply_message(report, inner, trust, urls)
            report.reported_message_raw = pasted
        return finish(report, urls)
    return None


_FEEDBACK_COMPANIONS = (
    "User-Agent",
    "Version",
    "Source-IP",
    "Arrival-Date",
    "Received-Date",
    "Original-Mail-From",
    "Original-Rcpt-To",
    "Reported-Domain",
    "Reported-Uri",
)


def _feedback_part(msg: Message) -> Message | None:
    """The message/feedback-report part, or the part that carries its fields anyway.

    Old FBLs sent the fields as text/plain (in multipart/mixed, or as the whole
    message); Outlook re-labels the part ("ATT00001", application/octet-stream). A part
    whose text starts with a Feedback-Type field and another ARF field is one.
    """
    for part in wrapper_parts(msg):
        if mime.content_type(part) == "message/feedback-report":
            return part
    for part in wrapper_parts(msg):
        if part.is_multipart() or embedded_message(part) is not None:
            continue
        head = mime.decode_bytes(mime.part_bytes(part)[:6000])
        fields = parse_fields("\n".join(head.splitlines()[:60]))
        if has(fields, "Feedback-Type") and has(fields, *_FEEDBACK_COMPANIONS):
            return part
    return None


def _apply_embedded(
    report: ParsedReport, msg: Message, feedback: Message, trust: TrustContext, urls: UrlCollector
) -> None:
    parts = [part for part in wrapper_parts(msg) if part is not msg]
    embedded = [inner for part in parts if (inner := embedded_message(part)) is not None]
    if embedded:
        inner = embedded[0]
        if not mime.raw_headers(inner, "Received") and not inner.keys():
            report.note("the reported message is redacted or empty")
        apply_message(report, inner, trust, urls)
        report.reported_message_raw = mime.message_bytes(inner)
        # RFC 5965 carries one reported message; a report with more (a receiver
        # attaching several) reads the first: each other one is a report of its own.
        chained = [mime.message_bytes(o) for o in embedded[1:] if mime.raw_headers(o, "Received")]
        others = [raw for raw in dict.fromkeys(chained) if raw != report.reported_message_raw][:MAX_OTHERS]
        if others:
            report.more_reported_raw = others
            report.note(
                f"{len(others) + 1} reported messages were attached: this report reads the first; "
                "each other one is filed as a report of its own"
            )
        return
    # A text-only report: the reported message follows its fields, or sits in a later part.
    for part in wrapper_parts(msg):
        if part.is_multipart() or mime.content_type(part) not in ("text/plain", "application/octet-stream"):
            continue
        text = mime.part_text(part)
        if part is feedback:
            text = _after_fields(text)
        found = in_text(text) if text.strip() else None
        if found is not None:
            apply_message(report, found[0].message, trust, urls)
            report.reported_message_raw = found[0].raw
            return
    report.note("no copy of the reported message")


def _after_fields(text: str) -> str:
    """The text after the leading block of ARF fields (and the blank line ending it)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.strip() and index > 0:
            return "\n".join(lines[index + 1 :])
    return ""


# RFC 7489 7.2.1.1: "Report Domain: <domain> Submitter: <org> Report-ID: <id>", and a
# file "<receiver>!<policy domain>!<begin>!<end>[!<id>].xml[.gz|.zip]".
_AGGREGATE_SUBJECT = re.compile(r"^\s*(?:\[[^]]*\]\s*)?Report\s+Domain:\s*\S+\s+Submitter:\s*\S+", re.I)
_AGGREGATE_FILE = re.compile(
    r"^[^!/\\]+![^!/\\]+!\d{9,11}!\d{9,11}(?:![^!/\\]*)?\.(?:xml|zip|gz|xml\.gz)$", re.IGNORECASE
)
_AGGREGATE_XML = re.compile(rb"<feedback[\s>].{0,2000}?<report_metadata>", re.S)


def read_dmarc_aggregate(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """A DMARC aggregate report (counts of a domain's mail by sending address, for the
    domain's owner) sent to the abuse mailbox: statistics, not a complaint about any
    message. Kept for a person, with nothing read from the addresses it counts."""
    found = bool(_AGGREGATE_SUBJECT.match(mime.header(msg, "Subject") or ""))
    for part in wrapper_parts(msg):
        if found:
            break
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if _AGGREGATE_FILE.match(name.strip()):
            found = True
        elif mime.content_type(part) in ("text/xml", "application/xml", "text/plain"):
            found = _AGGREGATE_XML.search(mime.part_bytes(part)[:20_000]) is not None
    if not found:
        return None
    report = ParsedReport(format="unknown", category="other")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.message_id = mime.header(msg, "Message-ID")
    report.fail(
        "a DMARC aggregate report (a domain's mail statistics), not an abuse report: nothing is attributed"
    )
    return report


_DSN_PARTS = ("message/delivery-status", "message/global-delivery-status")
_DSN_TYPES = ("delivery-status", "global-delivery-status")


_MAILER_NAMES = ("mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster")


def _from_a_mailer(msg: Message) -> bool:
    """Written by a mail server, as bounces are: null sender, a mailer's From, RFC 3834."""
    sender = (mime.first_address(mime.header(msg, "From")) or "").lower()
    return (
        (mime.header(msg, "Return-Path") or "").replace(" ", "") == "<>"
        or sender.partition("@")[0] in _MAILER_NAMES
        or (mime.header(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower() != "no"
    )


def read_delivery_status(msg: Message) -> ParsedReport | None:
    """A bounce (RFC 3464 delivery status notification) delivered to the abuse mailbox:
    a mail server telling us a message to or from us was not delivered. Nobody
    complains in it, whatever message it carries back; kept for a person with the
    reason. Only the message as filed: a complaint that attaches a bounce it received
    (backscatter) is read as a complaint."""
    report_type = (mime.param(msg, "report-type") or "").lower()
    if report_type == "feedback-report" or not _from_a_mailer(msg):
        return None  # a person forwarding a bounce as it came writes about it: a complaint
    types = [mime.content_type(part) for part in wrapper_parts(msg)]
    if "message/feedback-report" in types:
        return None  # an ARF report, whatever its report-type label says
    declared = mime.content_type(msg) == "multipart/report" and report_type in _DSN_TYPES
    if not declared and not any(t in _DSN_PARTS for t in types):
        return None
    report = ParsedReport(format="unknown", category="other", message_kind="machine_report")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.message_id = mime.header(msg, "Message-ID")
    report.fail("a delivery status notification (a bounce), not an abuse report: nothing is attributed")
    return report
