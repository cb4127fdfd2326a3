"""ARF (RFC 5965) feedback reports, DMARC failure reports, Microsoft JMRP, Exim DMARC text."""

from __future__ import annotations

import json
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


_COMMENT = re.compile(r"\([^()]*\)")
# Feedback that nobody complains in: it joins an open case about the same resource as a
# signal, never opens one, and is never counted as a complaint.
_NOT_COMPLAINT_NOTES = {
    "not-spam": "a not-spam feedback report: a recipient took this message out of a spam folder; "
    "it is kept with the case and never counted as a complaint",
    "opt-out": "an opt-out feedback report: a recipient asked to be taken off a list; "
    "it is kept with the case and never counted as a complaint",
    "auth-failure": "an authentication failure report (DMARC, DKIM, SPF): mail using a domain failed its "
    "checks; nobody complained: it is kept with the case and never counted as a complaint",
}


def read_arf(msg: Message, trust: TrustContext) -> ParsedReport | None:
    feedback = _feedback_part(msg)
    if feedback is None:
        return None
    fields = parse_fields(mime.decode_bytes(mime.part_bytes(feedback)[:1_000_000]))
    # "abuse (spam)": an RFC 5322 comment beside the type says nothing of its own.
    feedback_type = _COMMENT.sub(" ", first(fields, "Feedback-Type") or "").strip().lower() or None
    if feedback_type in ("xarf", "x-arf"):
        # The ARF wrapper only says "the report is XARF": the report itself is the JSON
        # (or X-ARF) part beside it (Netcraft and others), which the X-ARF reader takes.
        return None
    category = FEEDBACK_CATEGORIES.get(feedback_type or "", "other")
    report = ParsedReport(format="dmarc-forensic" if category == "auth-failure" else "arf")
    report.feedback_type = feedback_type
    report.category = category
    if category in _NOT_COMPLAINT_NOTES:
        report.note(_NOT_COMPLAINT_NOTES[category])
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
        report.note(_NOT_COMPLAINT_NOTES["auth-failure"])
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
        name = mime.filename(part) or ""
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


# A mail server signs its own notices with a role name: MAILER-DAEMON (with or without a
# domain, or with an empty address: "MAILER-DAEMON <>"), postmaster, or a display name
# such as "Mail Delivery System" / "Mail Delivery Subsystem" (sometimes as the local part:
# "Mail.Delivery.System@").
_MAILER_NAME = re.compile(
    r"(?<![\w-])(?:mailer[-_. ]?daemon|mail[-_. ]?daemon|post[-_. ]?master"
    r"|mail[-_. ]deliver(?:y|ing)?[-_. ](?:sub)?(?:system|service))(?![\w-])",
    re.IGNORECASE,
)


def _signed_by_a_mailer(msg: Message) -> bool:
    """Written by a mail server, as bounces are: a null or a mailer's envelope sender, a
    mailer's From, a From with the null address ("<>", "MAILER-DAEMON <>"), or no From
    at all (a mail server's own notice may carry none)."""
    sender = mime.decode_words(mime.header(msg, "From") or "").strip()
    return_path = (mime.header(msg, "Return-Path") or "").replace(" ", "")
    return (
        return_path == "<>"
        or _MAILER_NAME.search(return_path) is not None
        or not sender
        or sender.replace(" ", "").endswith("<>")
        or _MAILER_NAME.search(sender) is not None
    )


def _from_a_mailer(msg: Message) -> bool:
    """Written by a program: a mail server's signature, or RFC 3834 Auto-Submitted."""
    auto = (mime.header(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower()
    return _signed_by_a_mailer(msg) or auto != "no"


# The subject a mail server gives a bounce (or a delay warning) it writes, in the
# languages the common servers speak: Postfix, Sendmail, Exim, qmail, Exchange and
# Outlook's localisations, Lotus Notes, Gmail, Yahoo, Japanese and Russian providers.
# Searched in the subject as sent: a person forwarding one ("Fwd: Returned mail") writes
# about it, and is read as a complaint.
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:able|ed)|non[- ]?deliver(?:able|y)|returned mail|return(?:ed|ing)(?: message)? to sender"
    r"|delivery (?:status )?notification|delivery (?:status|report|failure|failed|problem)"
    r"|(?:mail|message)(?: delivery)? (?:has )?fail(?:ed|ure)|delivery (?:has )?(?:failed|been delayed)"
    r"|fail(?:ed|ure) (?:notice|delivery)|could not be delivered"
    r"|(?:could not|cannot|can't) send (?:mail|message)"
    r"|\bdelayed\b|mail system error|error sending your (?:mail|message)|see transcript for details"
    r"|(?:your message|message you sent)\b.{0,40}\b(?:blocked|rejected|not (?:be )?delivered)"
    # French, German, Dutch, Italian, Spanish, Portuguese, Nordic, Polish, Czech, Turkish
    r"|non remis|non distribuable|[ée]chec de (?:la )?remise|unzustellbar|nicht zustellbar"
    r"|zustellung fehlgeschlagen|onbestelbaar|non recapitabil|impossibile recapitare|no se puede entregar"
    r"|no entregado|n[ãa]o (?:foi )?entregue|n[ãa]o [ée] poss[íi]vel entregar|olevererbar|kan ikke leveres"
    r"|ikke lever(?:t|et)|niedostarczaln|nie mo[żz]na dostarczy|nedoru[čc]iteln|teslim edilemedi"
    # Russian, Chinese, Korean, Japanese
    r"|недостав|не доставлен|не удалось доставить|退信|无法投递|投递失败|無法傳遞|未送達|배달 ?실패"
    r"|配信エラー|配送エラー|送信エラー|配信できません|配信不能|不達|メールエラー|エラーメール",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(r"\s*(?:fwd?|fw|tr|wg|rv|enc|doorst|vs|vl|转发|転送)\s*[:：]", re.IGNORECASE)


def _bounce_subject(msg: Message) -> bool:
    subject = mime.decode_words(mime.header(msg, "Subject") or "")
    return not _FORWARD_PREFIX.match(subject) and _BOUNCE_SUBJECT.search(subject) is not None


def read_delivery_status(msg: Message) -> ParsedReport | None:
    """A bounce delivered to the abuse mailbox: a mail server telling us a message to or
    from us was not delivered (or is delayed). Nobody complains in it, whatever message
    it carries back; kept for a person with the reason. An RFC 3464 report (a top-level
    multipart/report of a delivery status, with its status part), or a mail server's
    notice with a bounce's subject (the many servers that write bounces as plain text,
    or TNEF). Only the message as filed: a complaint that attaches a bounce it received
    (backscatter) is read as a complaint."""
    report_type = (mime.param(msg, "report-type") or "").lower()
    if report_type == "feedback-report":
        return None
    types = [mime.content_type(part) for part in wrapper_parts(msg)]
    if "message/feedback-report" in types:
        return None  # an ARF report, whatever its report-type label says
    if not _from_a_mailer(msg):
        # A person forwarding a bounce as it came (their mail program kept its report
        # structure) writes about it from their own address: a complaint.
        return None
    with_status = any(t in _DSN_PARTS for t in types)
    declared = mime.content_type(msg) == "multipart/report" and report_type in _DSN_TYPES
    if not (declared or with_status or (_signed_by_a_mailer(msg) and _bounce_subject(msg))):
        return None
    if mime.header(msg, "X-ARF") or _feedback_part(msg) is not None:
        return None  # a machine report about abuse (X-ARF, an old text-only FBL)
    report = ParsedReport(format="unknown", category="other", message_kind="machine_report")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.message_id = mime.header(msg, "Message-ID")
    report.fail("a delivery status notification (a bounce), not an abuse report: nothing is attributed")
    return report


# Amazon SES sends the events of its customers' mail (bounces, complaints, deliveries)
# through Amazon SNS, one JSON object per e-mail: {"notificationType": "Complaint",
# "complaint": {...}, "mail": {...}} (or "eventType", from SES event publishing), either
# bare or inside SNS's own envelope {"Type": "Notification", "Message": "<the JSON>"}.
_SES_TYPES = {
    "bounce", "complaint", "delivery", "deliverydelay", "send", "reject", "open", "click",
    "rendering failure", "renderingfailure", "subscription",
}  # fmt: skip
_JSON_PARTS = ("text/plain", "application/json", "text/json")


def read_esp_notification(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """An e-mail sending service's notification about its customer's mail (Amazon SES
    through SNS). Its own Received chain is the notification's way to us, never a spam's.
    A bounce or delivery notice is no complaint; a complaint notice is a feedback loop
    about mail that left the service's servers, and names no address of ours."""
    event = _ses_event(msg)
    if event is None:
        return None
    kind = str(event.get("notificationType") or event.get("eventType") or "").lower()
    report = ParsedReport(format="unknown", category="other", message_kind="machine_report")
    report.reporter = mime.first_address(mime.header(msg, "From"))
    report.subject = mime.header(msg, "Subject")
    report.message_id = mime.header(msg, "Message-ID")
    if kind != "complaint":
        report.fail("a delivery status notification (a bounce), not an abuse report: nothing is attributed")
        return report
    mail = event.get("mail") if isinstance(event.get("mail"), dict) else {}
    complaint = event.get("complaint") if isinstance(event.get("complaint"), dict) else {}
    feedback_type = _COMMENT.sub(" ", str(complaint.get("complaintFeedbackType") or "")).strip().lower()
    report.feedback_type = feedback_type or None
    report.category = FEEDBACK_CATEGORIES.get(feedback_type, "spam") if feedback_type else "spam"
    report.user_agent = str(complaint.get("userAgent") or "")[:200] or None
    report.mail_from = mime.first_address(str(mail.get("source") or "")) or None
    headers = mail.get("commonHeaders") if isinstance(mail.get("commonHeaders"), dict) else {}
    senders = headers.get("from") if isinstance(headers.get("from"), list) else []
    report.header_from = mime.first_address(str(senders[0])) if senders else None
    recipients = complaint.get("complainedRecipients")
    report.rcpt_to = [
        r["emailAddress"] for r in (recipients if isinstance(recipients, list) else [])
        if isinstance(r, dict) and isinstance(r.get("emailAddress"), str)
    ][:100]  # fmt: skip
    stated = complaint.get("arrivalDate") or complaint.get("timestamp")
    state_time(report, stated if isinstance(stated, str) else None, "timestamp")
    report.note(
        "an e-mail sending service's complaint notification (Amazon SES): the complained-about mail "
        "left through that service's servers; the notification names no address to walk"
    )
    return report


def _ses_event(msg: Message) -> dict | None:
    for part in wrapper_parts(msg):
        if part.is_multipart() or mime.content_type(part) not in _JSON_PARTS:
            continue
        text = mime.part_text(part)[:1_000_000].lstrip()
        if not text.startswith("{"):
            continue
        found = _json_object(text) or _json_object(_MTA_LINE_SPLIT.sub("", text))
        if found is not None and found.get("Type") == "Notification":
            found = _json_object(str(found.get("Message") or ""))
        if found is None or not isinstance(found.get("mail"), dict):
            continue
        if str(found.get("notificationType") or found.get("eventType") or "").lower() in _SES_TYPES:
            return found
    return None


# Sendmail splits a line longer than its limit (990) with "!", a line break and a space:
# one JSON line of a notification arrives cut so.
_MTA_LINE_SPLIT = re.compile(r"!\r?\n ")


def _json_object(text: str) -> dict | None:
    try:
        found, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None
