"""Steps every format shares: key/value field blocks, wrapper parts, finishing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email.message import Message

from . import mime
from .dates import declared_offset, names_no_zone, parse_date
from .hosts import is_routable_ip, non_routable_reason, normalise_ip, split_zone
from .parsed import ParsedReport
from .urls import UrlCollector

MAX_FIELDS = 500
MAX_VALUE = 8192  # characters of one (folded) field value
# "Key: value". Old and hand-made reports write names with spaces or odd case
# ("Source IP", "Feedback-type", "Arrival Date"): names are compared by `field_key`.
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]{0,60}(?: [A-Za-z0-9_.-]{1,20}){0,2})\s*:\s?(.*)$")
_KEY_JUNK = re.compile(r"[^a-z0-9]")
_EMBEDDED_TYPES = (
    "message/rfc822",
    "text/rfc822-headers",
    "text/rfc822-header",
    "message/rfc822-headers",
    "message/rfc822-header",
    "text/rfc822",
)

FEEDBACK_CATEGORIES = {
    "abuse": "spam",
    "complaint": "spam",
    "spam": "spam",
    "fraud": "phishing",
    "phishing": "phishing",
    "virus": "malware",
    "malware": "malware",
    # Feedback that is no complaint (sanctions.facts counts no such report, and it opens
    # no case): a recipient asked to be taken off a list ("unsubscribe" in some loops),
    # mail using a domain failed DMARC/DKIM/SPF (RFC 6591; "dmarc" in some reporters), a
    # recipient took the message out of a spam folder.
    "opt-out": "opt-out",
    "unsubscribe": "opt-out",
    "auth-failure": "auth-failure",
    "dmarc": "auth-failure",
    "not-spam": "not-spam",
    "other": "other",
    "login-attack": "login-attack",
}


def field_key(name: str) -> str:
    """ "Source-IP", "Source IP", "source_ip" and "SourceIp" are one field: "sourceip"."""
    return _KEY_JUNK.sub("", name.lower())


def parse_fields(text: str) -> dict[str, list[str]]:
    """ "Key: value" lines with folded continuations -> {field_key: [values]}."""
    fields: dict[str, list[str]] = {}
    last: str | None = None
    count = 0
    for line in text[: MAX_FIELDS * 1000].splitlines()[: MAX_FIELDS * 4]:
        if line[:1] in (" ", "\t") and last is not None:
            if len(fields[last][-1]) < MAX_VALUE:
                fields[last][-1] = (fields[last][-1] + " " + line.strip()).strip()[:MAX_VALUE]
            continue
        match = _FIELD.match(line.strip())
        if not match:
            last = None
            continue
        last = field_key(match.group(1))
        fields.setdefault(last, []).append(match.group(2).strip())
        count += 1
        if count >= MAX_FIELDS:
            break
    return fields


def values(fields: dict[str, list[str]], name: str) -> list[str]:
    return fields.get(field_key(name), [])


def has(fields: dict[str, list[str]], *names: str) -> bool:
    return any(field_key(name) in fields for name in names)


def first(fields: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        for value in values(fields, name):
            if value.strip():
                return value.strip()
    return None


def wrapper_parts(msg: Message, limit: int = 100):
    """Parts of the report itself: descend into multiparts, never into an embedded message."""
    stack, seen = [msg], 0
    while stack and seen < limit:
        part = stack.pop(0)
        seen += 1
        yield part
        if mime.content_type(part).startswith("multipart/") and part.is_multipart():
            try:
                stack[0:0] = [p for p in part.get_payload() if isinstance(p, Message)]
            except Exception:
                continue


def embedded_message(part: Message) -> Message | None:
    """The message inside a message/rfc822 or text/rfc822-headers part."""
    ctype = mime.content_type(part)
    if ctype not in _EMBEDDED_TYPES:
        return None
    try:
        payload = part.get_payload()
    except Exception:
        payload = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
        # A headerless result means something (an mbox ">From " line, an encoding)
        # hid the headers from the parser: re-read the bytes then.
        if encoding not in ("base64", "quoted-printable") and len(inner.keys()) > 0:
            return inner
    data = mime.part_bytes(part)
    return mime.parse_message(mime.normalise_bytes(data)) if data.strip() else None


def find_embedded(msg: Message) -> tuple[Message | None, Message | None]:
    """(part, message) of the first embedded message among the wrapper parts."""
    for part in wrapper_parts(msg):
        if part is msg:
            continue
        inner = embedded_message(part)
        if inner is not None:
            return part, inner
    return None, None


def state_source(report: ParsedReport, value: str | None, field: str) -> None:
    """The source IP a machine field states. A stated value that is no IP needs a human.

    A non-routable value (private, loopback, CGN, a zone-scoped address...) is kept in
    `source_ip_stated` as the report wrote it, but `finish` never makes it the origin.
    """
    if not value or report.source_ip_stated:
        return
    word = value.split()[0] if value.split() else value
    # "192.0.2.1:51234" and "[2001:db8::1]:51234": the address with its source port.
    with_port = re.fullmatch(r"\[?([0-9A-Fa-f:.]+?)\]?:(\d{1,5})", word.strip("(),;"))
    if with_port and (":" not in with_port.group(1) or word.startswith("[")):
        word = with_port.group(1)
        if int(with_port.group(2)) <= 65535 and report.source_port_stated is None:
            report.source_port_stated = int(with_port.group(2))
    ip, zone = split_zone(word.strip("[](),;"))
    if ip:
        report.source_ip_stated = f"{ip}%{zone}" if zone else ip
    else:
        report.fail(f"{field} is not an IP address: {value[:60]!r}")


def stated_port(report: ParsedReport, value, field: str) -> int | None:
    """A source port a machine field states; a value that is no port is noted and dropped."""
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


_DATE_ONLY = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s+)?(?:\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}|[A-Za-z]{3,9}\s+\d{1,2},?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2})\s*$"
)


def state_time(report: ParsedReport, value: str | None, field: str) -> None:
    """The arrival time the report states; it beats the Received chain's."""
    if not value:
        return
    when = parse_date(value)
    if when is None and _DATE_ONLY.match(value):
        # "Arrival-Date: 17 Feb 2014" (United Online's loop): a day, no time. The
        # report is sound; the copy's own trace gives the time.
        report.note(f"{field} gives a day with no time ({value.strip()[:40]!r}): the copy's own time is used")
    elif when is None:
        report.fail(f"{field} is not a date: {value[:60]!r}")
    elif report.occurred_at is None:
        report.occurred_at, report.occurred_at_basis = when, "stated"
        _zone_unknown(report, value, field)


def finish(report: ParsedReport, urls: UrlCollector) -> ParsedReport:
    """Choose source_ip and its basis; derive occurred_at fallbacks and url_hosts."""
    choose_source(report)
    if report.occurred_at is None:
        index = next((i for i, hop in enumerate(report.hops) if hop.is_origin), None)
        # With no date on the origin's line, the trusted line just above it was written
        # moments later by a receiver; the Date header is whatever the sender set.
        above = next(
            (hop for hop in reversed(report.hops[:index]) if hop.trusted and hop.time is not None), None
        ) if index is not None else None  # fmt: skip
        if index is not None and report.hops[index].time is not None:
            report.occurred_at, report.occurred_at_basis = report.hops[index].time, "origin-hop"
            _zone_unknown(report, _hop_date(report.hops[index]), "the origin's Received line")
            _clocks_disagree(report, index)
        elif above is not None:
            report.occurred_at, report.occurred_at_basis = above.time, "hop-above-origin"
            _zone_unknown(report, _hop_date(above), "the Received line above the origin")
        elif report.date is not None:
            report.occurred_at, report.occurred_at_basis = report.date, "date-header"
    report.urls = urls.urls
    report.url_hosts = urls.hosts()
    return report


# A line a receiver wrote after the origin's (above it) may be later by the time the mail
# waited in its queues (Postfix gives up after 5 days), never earlier by more than the
# skew of two synchronised clocks.
CLOCK_SKEW = timedelta(seconds=30)
QUEUE_LIFETIME = timedelta(days=5)


def _clocks_disagree(report: ParsedReport, index: int) -> None:
    """The origin line's time against the times of the trusted lines above it."""
    origin = report.hops[index].time
    spread = timedelta(0)
    for hop in report.hops[:index]:
        if not hop.trusted or hop.time is None or names_no_zone(_hop_date(hop)):
            continue  # a time without a zone is some zone's wall clock: no measure of a clock
        late = hop.time - origin
        if late < -CLOCK_SKEW or late > QUEUE_LIFETIME:
            spread = max(spread, abs(late))
    if spread:
        report.occurred_at_spread = int(spread.total_seconds())
        report.note(
            f"the receiver's Received lines disagree about the time by {_duration(spread)} (a clock set "
            "wrong, or local time labelled as another zone): no dynamic address's holder is named "
            "unless one held it all that time"
        )


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds} seconds"


def _hop_date(hop) -> str:
    """The date part of a Received line: what follows its last semicolon."""
    return hop.raw.rpartition(";")[2] if ";" in hop.raw else ""


def _zone_unknown(report: ParsedReport, text: str | None, where: str) -> None:
    if names_no_zone(text):
        report.occurred_at_no_zone = True
        report.note(
            f"the time in {where} names no zone: read as UTC, it may be off by up to 14 hours, "
            "and no dynamic address's holder is named unless one held it all that time"
        )


def apply_declared_zone(report: ParsedReport, text: str) -> None:
    """A stated time with no zone, where the report's own words declare the zone of its
    times once ("All times are in localtime (currently MESZ (GMT +02:00))")."""
    if not (report.occurred_at_no_zone and report.occurred_at and report.occurred_at_basis == "stated"):
        return
    offset = declared_offset(text)
    if offset is None:
        return
    report.occurred_at -= timedelta(minutes=offset)
    report.occurred_at_no_zone = False
    sign = "+" if offset >= 0 else "-"
    report.note(f"the report declares its times in UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}")


def choose_source(report: ParsedReport) -> None:
    """source_ip and source_basis from what was gathered; safe to call again.

    An explicit machine field wins over the walk, the walk over what a person named;
    a non-routable address is never chosen, whatever its basis.
    """
    field_ip = _routable(report, report.source_ip_stated, "the stated source")
    walked_ip = report.header_source_ip if is_routable_ip(report.header_source_ip) else None
    if field_ip and walked_ip and field_ip != walked_ip and _relayed_on_the_chain(report, field_ip):
        # RFC 5965's Source-IP is the host that connected to the receiver: a server the
        # trusted chain names and walks past (our own submission server relaying its
        # user's mail). The field and the copy agree; the walk reaches the origin itself.
        field_ip = None
    if field_ip and walked_ip and field_ip != walked_ip and _origin_below_the_walk(report, field_ip):
        # The walk stopped at the reporter's own inner relay ("from eastrmimpi210
        # ([68.230.241.251]) by …cox.net", no name to vouch for it), and the line below
        # it is from the address the report's field states: the two agree.
        walked_ip = report.header_source_ip = field_ip
        report.header_source_port = None
        report.note(
            f"the report's stated source {field_ip} sent the line below where the walk of the copy "
            "stopped (the reporter's own relay): the two agree"
        )
    named_ip = _routable(report, report.source_ip_named, "the address named by the complainant")
    for ip, basis in ((field_ip, "field"), (walked_ip, "walked"), (named_ip, "stated")):
        if ip:
            report.source_ip, report.source_basis = ip, basis
            break
    else:
        report.source_ip, report.source_basis = None, None
    _choose_port(report, field_ip, walked_ip)
    if field_ip and walked_ip and field_ip != walked_ip:
        report.source_disagreement = True
        report.note(f"stated source {field_ip} differs from Received chain {walked_ip}")
    if named_ip and report.source_ip and named_ip != report.source_ip:
        report.signal("named_source_differs", named_ip)


def _origin_below_the_walk(report: ParsedReport, ip: str) -> bool:
    """A line below the walked origin is from `ip`, the address the report's field
    states (the connecting host, RFC 5965): the walk stopped at a relay of the
    reporter's own (an inner hop with no name to vouch for it, or the mailbox
    provider's forward of the copy to the loop's operator). That line becomes the
    origin; the field was the source either way."""
    index = next((i for i, hop in enumerate(report.hops) if hop.is_origin), None)
    if index is None:
        return False
    for below, hop in enumerate(report.hops[index + 1 :], start=index + 1):
        if hop.from_address and normalise_ip(hop.from_address) == ip:
            report.hops[index] = replace(report.hops[index], is_origin=False)
            report.hops[below] = replace(hop, is_origin=True)
            return True
    return False


def _relayed_on_the_chain(report: ParsedReport, ip: str) -> bool:
    """`ip` is a server a trusted hop of the copy's chain took the mail from, above the
    walked origin."""
    for hop in report.hops:
        if hop.is_origin:
            return False
        if hop.trusted and hop.from_address and normalise_ip(hop.from_address) == ip:
            return True
    return False


def _choose_port(report: ParsedReport, field_ip: str | None, walked_ip: str | None) -> None:
    """The source port that goes with the chosen source address, or None."""
    port = None
    if report.source_basis == "field":
        port = report.source_port_stated
        if port is None and walked_ip == field_ip:
            port = report.header_source_port
    elif report.source_basis == "walked":
        port = report.header_source_port
        if port is None and field_ip == walked_ip:
            port = report.source_port_stated
        if port is None and report.source_ip_named == walked_ip:
            port = report.source_port_named
    elif report.source_basis == "stated":
        port = report.source_port_named
    # Behind a shared address (CGN) the port names the subscriber: two ports given for
    # the chosen address (an FBL's Source-Port against the receiver's own line) name two,
    # and the desk cannot tell which is right. Neither is used.
    ip = report.source_ip
    given = {}
    if ip and field_ip == ip and report.source_port_stated is not None:
        given["the report's field"] = report.source_port_stated
    if ip and walked_ip == ip and report.header_source_port is not None:
        given["the trusted Received line"] = report.header_source_port
    named = normalise_ip(report.source_ip_named) if report.source_ip_named else None
    if ip and named == ip and report.source_port_named is not None:
        given["the complaint's words"] = report.source_port_named
    if len(set(given.values())) > 1:
        said = ", ".join(f"{p} by {where}" for where, p in given.items())
        report.note(
            f"the source port of {ip} is given as {said}: they disagree, so a port is used only if "
            "each of them names the same subscriber (the attribution says which)"
        )
        report.signal("source_port_disputed", said)
        port = None
    report.source_port = port


def _routable(report: ParsedReport, ip: str | None, what: str) -> str | None:
    if not ip:
        return None
    reason = non_routable_reason(ip)
    if reason is None:
        return normalise_ip(ip)
    report.note(f"{what} {ip} is a {reason} address, which is never an origin")
    report.signal("non_routable_source", f"{ip} ({reason})")
    return None
