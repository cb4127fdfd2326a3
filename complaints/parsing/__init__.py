"""Abuse report parser: bytes in, ParsedReport out. Pure Python, no Django.

    from complaints.parsing import parse_report, TrustContext
    report = parse_report(raw_bytes, content_type="message/rfc822", trust=TrustContext(...))

First it decides what the message is (`message_kind`): a machine report (ARF and DMARC
failure reports, Microsoft JMRP, X-ARF e-mails, XARF JSON v4 and v3, SpamCop, Exim
DMARC text, ACNS copyright notices, feeds that wrap the reported message), a person's complaint (the spam
attached in any way, pasted, quoted or forwarded inline, or only an address named in
prose), or the spam itself. Only the reported message is walked for an origin.
parse_report never raises; a report it cannot understand carries `parse_error`.
"""

from __future__ import annotations

from email.message import Message

from . import material, mime
from .acns import read_acns
from .arf import (
    read_arf,
    read_delivery_status,
    read_dmarc_aggregate,
    read_dmarc_text,
    read_esp_notification,
    read_jmrp,
)
from .clean import sanitise
from .complaint import read_other
from .material import has_message_headers
from .parsed import Hop, ParsedReport, TrustContext
from .spamcop import read_spamcop
from .xarf import parse_json, read_xarf_mail

__all__ = ["Hop", "ParsedReport", "TrustContext", "parse_report"]

_JSON_TYPES = ("application/json", "application/xarf+json", "text/json")
_READERS = (
    read_arf, read_xarf_mail, read_spamcop, read_jmrp, read_dmarc_text, read_acns, read_dmarc_aggregate,
    read_esp_notification,
)  # fmt: skip


_NO_TRUST = TrustContext()  # frozen, so one shared default is safe


def parse_report(
    raw: bytes, *, content_type: str | None = None, trust: TrustContext = _NO_TRUST
) -> ParsedReport:
    """Parse a report as received. Never raises: failures come back as `parse_error`."""
    try:
        report = _parse(raw, content_type, trust)
    except RecursionError:
        report = ParsedReport(parse_error="MIME structure nested too deeply; needs manual triage")
    except Exception as exc:  # the last line of defence: a report must never be lost
        report = ParsedReport(parse_error=f"parser failure ({type(exc).__name__}); needs manual triage")
    return sanitise(report)


def _parse(raw, content_type: str | None, trust: TrustContext) -> ParsedReport:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw or b"")
    if not raw.strip():
        return ParsedReport(parse_error="empty report")
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype in _JSON_TYPES or (not ctype and raw.lstrip()[:1] in (b"{", b"[")):
        return parse_json(raw, trust)
    data, cut = mime.cap_parts(mime.normalise_bytes(raw))
    msg = mime.parse_message(data)
    if not has_message_headers(msg):
        if raw.lstrip()[:1] == b"{":  # JSON sent with a mail content type
            return parse_json(raw, trust)
        pasted = _headers_pasted_below(data, trust)
        if pasted is not None:
            return pasted
        return ParsedReport(parse_error="not an e-mail message: no message headers found")
    report = read_delivery_status(msg) or _read(msg, trust, 0)
    if cut:
        report.note(f"more than {mime.MAX_PARTS} MIME parts: the rest was not parsed")
    return report


def _headers_pasted_below(data: bytes, trust: TrustContext) -> ParsedReport | None:
    """Text that is not a message but holds a copy's headers further down: a note typed
    above a paste ("customer called, headers below"), Gmail's "Show original" page. Read
    as a person's text carrying that copy, when the copy has its Received chain."""
    text = mime.parse_message(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + data)
    found = material.find(text)
    if found.material is None or not mime.raw_headers(found.material.message, "Received"):
        return None
    report = read_other(text, trust, _read, 0)
    report.note("the text did not start with a message's headers: the headers pasted below it were read")
    return report


def _read(msg: Message, trust: TrustContext, depth: int) -> ParsedReport:
    """Machine reports first (their structure is unmistakable), then complaints and spam."""
    for reader in _READERS:
        report = reader(msg, trust)
        if report is not None:
            report.message_kind = "machine_report"
            return report
    return read_other(msg, trust, _read, depth)
