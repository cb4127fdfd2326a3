"""X-ARF e-mails (0.1/0.2, YAML-like second part) and XARF JSON (v4, tolerating v3)."""

from __future__ import annotations

import json
import re
import uuid
from email.message import Message

from . import mime
from .acns import TRIAGE as COPYRIGHT_TRIAGE
from .common import (
    apply_declared_zone,
    embedded_message,
    finish,
    first,
    has,
    parse_fields,
    state_source,
    state_time,
    stated_port,
    wrapper_parts,
)
from .content import content_field_source, keep_as_site_address
from .hosts import clean_host, idna_host, normalise_ip
from .parsed import ParsedReport, TrustContext
from .reported import apply_message
from .urls import UrlCollector, url_host

_V4_REQUIRED = ("xarf_version", "report_id", "timestamp", "reporter", "source_identifier", "category", "type")
_TYPE_CATEGORIES = {
    "spam": "spam",
    "bulk_messaging": "spam",
    "spamvertised": "spam",
    "phishing": "phishing",
    "malware": "malware",
    "malware-attack": "malware",  # X-ARF 0.1/0.2 (abuse_malware-attack schema)
    "malware_attack": "malware",
    "malware_distribution": "malware",
    # XARF v4 "infrastructure": a machine under someone else's control (a bot, a
    # compromised server) is an infected machine, its holder a victim to notify.
    "botnet": "malware",
    "compromised_server": "malware",
    "login-attack": "login-attack",
    "login_attack": "login-attack",
    "brute_force": "login-attack",
    "bruteforce": "login-attack",
    "loginattack": "login-attack",
    "fraud": "phishing",
    "copyright": "copyright",  # XARF v4's category: notices go to a person, like ACNS ones
}


def read_xarf_mail(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """X-ARF 0.1/0.2 mail (a YAML-like part), or an XARF JSON report carried in a mail part.

    The part is recognised by its fields (Reported-From with Report-Type, Category or
    Source); mail marked "X-ARF: YES" / "X-XARF: PLAIN" may leave out Reported-From.
    """
    marked = mime.header(msg, "X-ARF") is not None or mime.header(msg, "X-XARF") is not None
    parts = [p for p in wrapper_parts(msg) if not mime.content_type(p).startswith("multipart/")]
    candidates: list[tuple[int, int, dict]] = []
    for index, part in enumerate(parts):
        ctype = mime.content_type(part)
        if not ctype.startswith(("text/", "application/")):
            continue
        text = mime.part_text(part)[:100_000]
        if text.lstrip().startswith("{") and (marked or "json" in ctype or _named_json(part)):
            report = parse_json(text.encode("utf-8", "surrogateescape"), trust)
            if report.format != "unknown":
                report.reporter = report.reporter or mime.first_address(mime.header(msg, "From"))
                return report
            continue
        fields = parse_fields(text)
        if has(fields, "Report-Type", "Category", "Source") and (
            has(fields, "Reported-From") or marked and has(fields, "Source")
        ):
            candidates.append((_xarf_rank(fields), index, fields))
    if not candidates:
        return None
    # The report part itself before a human-readable part that only looks like one
    # (whois pasted in the text: "source: RIPE").
    _, index, fields = min(candidates, key=lambda c: (c[0], c[1]))
    return _xarf_mail(msg, fields, parts[index + 1 :], trust)


def _xarf_rank(fields: dict) -> int:
    """0: Reported-From with the report's type; 1: the type and a Source; 2: a Source
    that is an address or a link; 3: a Source alone that is neither."""
    typed = has(fields, "Report-Type", "Category")
    if has(fields, "Reported-From") and typed:
        return 0
    if typed and has(fields, "Source"):
        return 1
    source = first(fields, "Source") or ""
    return 2 if normalise_ip(_yaml_scalar(source)) or _web_url(_yaml_scalar(source)) else 3


def _named_json(part: Message) -> bool:
    name = mime.filename(part) or ""
    return name.lower().endswith(".json")


# The X-ARF report part is YAML: a value may be quoted, and Python-written reports
# carry type tags ("!!python/unicode 'http://...'").
_YAML_TAG = re.compile(r"^!!\S+\s+")


def _yaml_scalar(value: str) -> str:
    value = _YAML_TAG.sub("", value.strip())
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def _xarf_mail(msg: Message, fields: dict, rest: list[Message], trust: TrustContext) -> ParsedReport:
    fields = {key: [_yaml_scalar(v) for v in found] for key, found in fields.items()}
    report = ParsedReport(format="xarf-0.2")
    report.reporter = mime.first_address(first(fields, "Reported-From")) or mime.first_address(
        mime.header(msg, "From")
    )
    report.feedback_type = (first(fields, "Report-Type") or "").lower() or None
    report.category = _category(report.feedback_type, first(fields, "Category"))
    report.report_id = first(fields, "Report-ID")
    report.user_agent = first(fields, "User-Agent")
    source_type = (first(fields, "Source-Type") or "ip-address").lower()
    source = first(fields, "Source")
    urls = UrlCollector()
    if source and _web_url(source) and not normalise_ip(source):
        # A content report (phishing page, malware download): the URL is what is reported.
        urls.add(source)
        report.note(f"X-ARF Source is a {source_type}: its host is the reported resource")
    elif source_type.startswith("ip") or normalise_ip(source):
        state_source(report, source, "X-ARF Source")
    elif source:
        report.note(f"X-ARF Source is a {source_type}, not an IP: {source[:60]!r}")
    for key, found in fields.items():
        # The schemas' links to what is reported (Download-Link, URL, ...), never the schema's own.
        if key != "schemaurl" and key.endswith(("url", "link", "uri")):
            for value in found:
                if _web_url(value):
                    urls.add(value)
    # X-ARF's "Port" goes with "Service": the port attacked (22 for ssh, 80 for a web
    # form), never the client's. Only a field naming the source port says that.
    report.source_port_stated = stated_port(report, first(fields, "Source-Port"), "X-ARF Source-Port")
    state_time(report, first(fields, "Date"), "X-ARF Date")
    words = next((mime.part_text(p) for p in wrapper_parts(msg) if mime.content_type(p) == "text/plain"), "")
    apply_declared_zone(report, words[:20_000])
    for part in rest:
        inner = _evidence_message(part)
        if inner is not None:
            apply_message(report, inner, trust, urls)
            report.reported_message_raw = mime.message_bytes(inner)
            break
    finish(report, urls)
    if report.source_ip is None and report.urls:
        # A content report whose Source is the URL may give its server's address too.
        address = first(fields, "Source-IP", "IP", "IP-Address", "Host-IP")
        keep_as_site_address(report, address, "the X-ARF report")
    return _site_not_source(report, "the X-ARF report")


def _site_not_source(report: ParsedReport, where: str) -> ParsedReport:
    """A content report (a phishing page, a malware URL) whose source field is an
    address: that address is the server the URL is on, not a sender (parsing.content)."""
    if content_field_source(report):
        keep_as_site_address(report, report.source_ip_stated, where)
    return report


_WEB_URL = re.compile(r"^(?:https?|ftp)://[^\s/?#]+", re.IGNORECASE)


def _web_url(value: str | None) -> bool:
    """A web or FTP URL with a host: a reported resource, not an address."""
    return bool(value and _WEB_URL.match(value.strip()) and url_host(value.strip()))


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
        report = _xarf_v4(data, trust)
    elif isinstance(data.get("Report"), dict):
        report = _xarf_v3(data, trust)
    else:
        return ParsedReport(parse_error="JSON is not an XARF report (no xarf_version or Report)")
    report.message_kind = "machine_report"
    return report


# JSON types of the XARF v4 core schema (xarf-spec schemas/v4/xarf-core.json): a report
# whose fields have other types is rejected with the field named, never coerced.
_V4_TYPES = {
    "xarf_version": str,
    "report_id": str,
    "timestamp": str,
    "reporter": dict,
    "sender": dict,
    "source_identifier": str,
    "source_port": int,
    "category": str,
    "type": str,
    "evidence_source": str,
    "evidence": list,
    "tags": list,
    "confidence": (float, int),
    "description": str,
    "legacy_version": str,
}
_V4_CONTACT_TYPES = {"org": str, "contact": str, "domain": str}
_V4_EVIDENCE_TYPES = {"content_type": str, "payload": str, "description": str, "hash": str, "size": int}
_V4_VERSION = re.compile(r"^4\.[0-9]+\.[0-9]+$")
_JSON_NAMES = {str: "a string", int: "an integer", float: "a number", dict: "an object", list: "an array"}


def _v4_type_errors(data: dict) -> list[str]:
    errors = _type_errors(data, _V4_TYPES, "")
    for name in ("reporter", "sender"):
        if isinstance(data.get(name), dict):
            errors += _type_errors(data[name], _V4_CONTACT_TYPES, f"{name}.")
    if isinstance(data.get("evidence"), list):
        for index, item in enumerate(data["evidence"][:50]):
            if not isinstance(item, dict):
                errors.append(f"evidence[{index}] must be an object")
            else:
                errors += _type_errors(item, _V4_EVIDENCE_TYPES, f"evidence[{index}].")
    if isinstance(data.get("tags"), list) and not all(isinstance(t, str) for t in data["tags"]):
        errors.append("tags must be an array of strings")
    if isinstance(data.get("xarf_version"), str) and not _V4_VERSION.match(data["xarf_version"]):
        errors.append(f"xarf_version must look like 4.x.y: {data['xarf_version'][:20]!r}")
    port = data.get("source_port")
    if isinstance(port, int) and not isinstance(port, bool) and not 1 <= port <= 65535:
        errors.append(f"source_port must be between 1 and 65535: {port}")
    return errors


def _type_errors(data: dict, types: dict, prefix: str) -> list[str]:
    errors = []
    for name, expected in types.items():
        if name not in data or data[name] is None and name not in ("xarf_version",):
            continue
        value = data[name]
        wanted = expected if isinstance(expected, tuple) else (expected,)
        if isinstance(value, bool) or not isinstance(value, wanted):
            errors.append(f"{prefix}{name} must be {_JSON_NAMES[wanted[0]]}, not {_json_type(value)}")
    return errors


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in _JSON_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _xarf_v4(data: dict, trust: TrustContext) -> ParsedReport:
    report = ParsedReport(format="xarf-4-json")
    missing = [name for name in _V4_REQUIRED if data.get(name) in (None, "", {}, [])]
    if missing:
        report.fail("XARF report lacks required field(s): " + ", ".join(missing))
    for error in _v4_type_errors(data):
        report.fail(f"XARF field {error}")
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
    urls = UrlCollector()
    source_host = _v4_source(report, _string(data.get("source_identifier")), urls)
    if report.category == "copyright":
        report.fail(COPYRIGHT_TRIAGE)
    report.source_port_stated = stated_port(report, data.get("source_port"), "source_port")
    report.evidence_source = _evidence_source(_text(data.get("evidence_source")))
    state_time(report, _string(data.get("timestamp")), "timestamp")
    report.mail_from = _string(data.get("smtp_from"))
    report.subject = _string(data.get("subject"))
    if _string(data.get("url")):
        urls.add(_string(data["url"]))
    _evidence(report, data.get("evidence"), trust, urls, ("content_type", "payload", None))
    finish(report, urls)
    _site_not_source(report, "the XARF report")
    if source_host and source_host not in report.url_hosts:
        # A host named as the source (a cyberlocker, a link site) is the reported resource.
        report.url_hosts = sorted({*report.url_hosts, source_host})
    return report


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
    urls = UrlCollector()
    # A content report (Report.Source {"URL": ..., "Type": "uri"}): the URL is what is reported.
    source_urls = [u for u in (_text(source.get(k)) for k in ("URL", "Url", "URI", "Uri")) if _web_url(u)]
    for url in source_urls:
        urls.add(url)
    if ip_text is None and source_urls:
        report.note("XARF v3 Report.Source is a URL: its host is the reported resource")
    elif ip_text is None:
        report.fail("XARF v3 report lacks Report.SourceIp")
    if ip_text is not None:
        state_source(report, ip_text, field)
    report.source_port_stated = stated_port(
        report, body.get("SourcePort") or source.get("Port"), "Report.SourcePort"
    )
    report.evidence_source = _evidence_source(_text(body.get("ReportSubType") or body.get("SubType")))
    state_time(report, _text(body.get("Date")), "Report.Date")
    report.mail_from = _text(body.get("SmtpMailFromAddress"))
    rcpt = _text(body.get("SmtpRcptToAddress"))
    report.rcpt_to = [rcpt] if rcpt else []
    if _text(body.get("SourceUrl")):
        urls.add(_text(body["SourceUrl"]))
    samples = body.get("Samples") or body.get("Attachment")
    keys = (
        ("ContentType", "Payload", "Base64Encoded") if body.get("Samples") else ("ContentType", "Data", None)
    )
    _evidence(report, samples, trust, urls, keys)
    finish(report, urls)
    return _site_not_source(report, "the XARF report")


def _evidence_source(value: str | None) -> str | None:
    """XARF v4 evidence_source as given (lowercase); v3's SubType "Trap" is a spam trap."""
    value = (value or "").strip().lower().replace("-", "_")[:40]
    if value in ("trap", "spam_trap", "spamtrap"):
        return "spamtrap"
    return value or None


def _v4_source(report: ParsedReport, value: str | None, urls: UrlCollector) -> str | None:
    """State the source; returns the host when the source is a host name (no IP)."""
    if not value:
        return None
    if normalise_ip(value.strip()):
        state_source(report, value.strip(), "source_identifier")
    elif _web_url(value):
        urls.add(value.strip())
        report.note("source_identifier is a URL: its host is the reported resource")
    elif clean_host(value):
        report.note(f"source_identifier is a host name, not an IP: {value[:60]!r}")
        return idna_host(clean_host(value)) if "." in value else None
    else:
        report.fail(f"source_identifier is neither an IP address nor a host name: {value[:60]!r}")
    return None


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


def _text(value) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _string(value) -> str | None:
    """A JSON string field; other types were already reported by the type check."""
    return value.strip() or None if isinstance(value, str) else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
