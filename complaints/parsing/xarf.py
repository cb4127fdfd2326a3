"""X-ARF e-mails (0.1/0.2, YAML-like second part) and XARF JSON (v4, tolerating v3)."""

from __future__ import annotations

import json
import uuid
from email.message import Message

from . import mime
from .common import embedded_message, finish, first, parse_fields, state_source, state_time, wrapper_parts
from .hosts import clean_host, normalise_ip
from .model import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector

_V4_REQUIRED = ("xarf_version", "report_id", "timestamp", "reporter", "source_identifier", "category", "type")
_TYPE_CATEGORIES = {
    "spam": "spam",
    "bulk_messaging": "spam",
    "spamvertised": "spam",
    "phishing": "phishing",
    "malware": "malware",
    "login-attack": "login-attack",
    "login_attack": "login-attack",
    "brute_force": "login-attack",
    "bruteforce": "login-attack",
    "loginattack": "login-attack",
    "fraud": "phishing",
}


def read_xarf_mail(msg: Message, trust: TrustContext) -> ParsedReport | None:
    parts = [p for p in wrapper_parts(msg) if not mime.content_type(p).startswith("multipart/")]
    for index, part in enumerate(parts):
        if not mime.content_type(part).startswith(("text/", "application/")):
            continue
        fields = parse_fields(mime.part_text(part)[:100_000])
        if "reported-from" in fields and ({"report-type", "category", "source"} & fields.keys()):
            return _xarf_mail(msg, fields, parts[index + 1 :], trust)
    return None


def _xarf_mail(msg: Message, fields: dict, rest: list[Message], trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="xarf-0.2")
    report.reporter = mime.first_address(first(fields, "Reported-From"))
    report.feedback_type = (first(fields, "Report-Type") or "").lower() or None
    report.category = _category(report.feedback_type, first(fields, "Category"))
    report.report_id = first(fields, "Report-ID")
    report.user_agent = first(fields, "User-Agent")
    source_type = (first(fields, "Source-Type") or "ip-address").lower()
    source = first(fields, "Source")
    if source_type.startswith("ip") or normalise_ip(source):
        state_source(report, source, "X-ARF Source")
    elif source:
        report.note(f"X-ARF Source is a {source_type}, not an IP: {source[:60]!r}")
    report.source_port = _port(report, first(fields, "Port"), "X-ARF Port")
    state_time(report, first(fields, "Date"), "X-ARF Date")
    urls = UrlCollector()
    for part in rest:
        inner = _evidence_message(part)
        if inner is not None:
            apply_message(report, inner, trust, urls)
            report.reported_message_raw = mime.message_bytes(inner)
            break
    return finish(report, urls)


def _evidence_message(part: Message) -> Message | None:
    inner = embedded_message(part)
    if inner is not None:
        return inner
    if not mime.content_type(part).startswith("text/"):
        return None
    head = mime.part_bytes(part)[:20_000].lower()
    if (
        head.startswith((b"received:", b"return-path:", b"from:", b"delivered-to:"))
        or b"\nreceived: " in head
    ):
        return mime.parse_message(mime.normalise_bytes(mime.part_bytes(part)))
    return None


def parse_json(raw: bytes, trust: TrustContext) -> ParsedReport:
    try:
        data = json.loads(raw.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        return ParsedReport(parse_error=f"invalid JSON: {str(exc)[:120]}")
    if not isinstance(data, dict):
        return ParsedReport(parse_error="JSON is not an object")
    if "xarf_version" in data:
        return _xarf_v4(data, trust)
    if isinstance(data.get("Report"), dict):
        return _xarf_v3(data, trust)
    return ParsedReport(parse_error="JSON is not an XARF report (no xarf_version or Report)")


def _xarf_v4(data: dict, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="xarf-4-json")
    missing = [name for name in _V4_REQUIRED if data.get(name) in (None, "", {}, [])]
    if missing:
        report.fail("XARF report lacks required field(s): " + ", ".join(missing))
    report.report_id = _text(data.get("report_id"))
    if report.report_id and not _is_uuid(report.report_id):
        report.note(f"XARF report_id is not a UUID: {report.report_id[:60]!r}")
    reporter = data.get("reporter")
    if isinstance(reporter, dict):
        report.reporter = mime.first_address(_text(reporter.get("contact") or reporter.get("email")))
    elif isinstance(reporter, str):
        report.reporter = mime.first_address(reporter)
    report.feedback_type = (_text(data.get("type")) or "").lower() or None
    report.category = _category(report.feedback_type, _text(data.get("category")))
    _v4_source(report, _text(data.get("source_identifier")))
    report.source_port = _port(report, data.get("source_port"), "source_port")
    state_time(report, _text(data.get("timestamp")), "timestamp")
    report.mail_from = _text(data.get("smtp_from"))
    report.subject = _text(data.get("subject"))
    urls = UrlCollector()
    if _text(data.get("url")):
        urls.add(_text(data["url"]))
    _evidence(report, data.get("evidence"), trust, urls, ("content_type", "payload", None))
    return finish(report, urls)


def _xarf_v3(data: dict, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="xarf-3-json")
    body = data["Report"]
    info = data.get("ReporterInfo") if isinstance(data.get("ReporterInfo"), dict) else {}
    report.reporter = mime.first_address(
        _text(info.get("ReporterOrgEmail") or info.get("ReporterContactEmail"))
    )
    report.feedback_type = (_text(body.get("ReportType")) or "").lower() or None
    report.category = _category(report.feedback_type, _text(body.get("ReportClass")))
    source = body.get("Source") if isinstance(body.get("Source"), dict) else {}
    ip_text = _text(body.get("SourceIp") or source.get("IP"))
    field = "Report.SourceIp" if body.get("SourceIp") else "Report.Source.IP"
    if ip_text is None:
        report.fail("XARF v3 report lacks Report.SourceIp")
    state_source(report, ip_text, field)
    report.source_port = _port(report, body.get("SourcePort") or source.get("Port"), "Report.SourcePort")
    state_time(report, _text(body.get("Date")), "Report.Date")
    report.mail_from = _text(body.get("SmtpMailFromAddress"))
    rcpt = _text(body.get("SmtpRcptToAddress"))
    report.rcpt_to = [rcpt] if rcpt else []
    urls = UrlCollector()
    if _text(body.get("SourceUrl")):
        urls.add(_text(body["SourceUrl"]))
    samples = body.get("Samples") or body.get("Attachment")
    keys = (
        ("ContentType", "Payload", "Base64Encoded") if body.get("Samples") else ("ContentType", "Data", None)
    )
    _evidence(report, samples, trust, urls, keys)
    return finish(report, urls)


def _v4_source(report: ParsedReport, value: str | None) -> None:
    if not value:
        return
    ip = normalise_ip(value)
    if ip:
        report.source_ip_stated = ip
    elif clean_host(value):
        report.note(f"source_identifier is a host name, not an IP: {value[:60]!r}")
    else:
        report.fail(f"source_identifier is neither an IP address nor a host name: {value[:60]!r}")


def _evidence(report, items, trust, urls: UrlCollector, keys) -> None:
    """Decode evidence items; the first e-mail among them is the reported message."""
    type_key, payload_key, base64_key = keys
    if not isinstance(items, list):
        return
    for item in items[:20]:
        if not isinstance(item, dict):
            continue
        ctype = (_text(item.get(type_key)) or "").lower()
        payload = item.get(payload_key)
        if not isinstance(payload, str) or not payload:
            if ctype == "message/rfc822":
                report.note("evidence message has no payload")
            continue
        if base64_key is None or item.get(base64_key) is not False:
            data, clean = mime.lenient_b64decode(payload)
            if not clean:
                report.note("invalid base64 in evidence")
        else:
            data = payload.encode("utf-8", "replace")
        if ctype == "message/rfc822" and report.reported_message_raw is None:
            inner = mime.parse_message(mime.normalise_bytes(data))
            apply_message(report, inner, trust, urls)
            report.reported_message_raw = data
        elif ctype == "text/html":
            urls.add_html(mime.decode_bytes(data))
        elif ctype == "text/plain":
            urls.add_text(mime.decode_bytes(data))


def _category(report_type: str | None, category: str | None) -> str:
    for key in (report_type, category):
        if key and key.lower() in _TYPE_CATEGORIES:
            return _TYPE_CATEGORIES[key.lower()]
    if (category or "").lower() == "messaging":
        return "spam"
    return "other"


def _port(report: ParsedReport, value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        report.note(f"{field} is not a port number: {str(value)[:20]!r}")
        return None
    return port


def _text(value) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
