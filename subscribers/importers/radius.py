"""Reading FreeRADIUS `detail` accounting files.

A record is a header line with the server's local time ("Tue Nov 20 10:16:38 2026"),
then tab-indented `Attribute = value` lines, then a blank line. The header has no
zone, so the instant comes from Event-Timestamp (or the detail module's Timestamp).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from subscribers.importers.common import REJECTED, ImportResult, Row, read_lines
from subscribers.services import InventoryError

HEADER = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d \d{4}$")
_ATTRIBUTE = re.compile(r"^\s+([A-Za-z0-9][\w.:-]*)\s*=\s*(.*?)\s*$")
_EVENT_TEXT = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<year>\d{4}) (?P<time>\d\d:\d\d:\d\d)"
    r"(?: (?P<zone>[A-Z]{1,5}|[+-]\d\d:?\d\d))?$"
)
# Attributes a record may carry more than once, one route each (RFC 2865 5.22, RFC 3162
# 2.5): their values are kept one per line of the attribute's value (see routes()).
REPEATED = ("Framed-Route", "Framed-IPv6-Route")
# Abbreviations FreeRADIUS prints (strftime %Z) on the servers we expect; an unknown
# one is refused rather than guessed, because CST alone means three different zones.
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "JST": 9 * 60, "KST": 9 * 60}


def looks_like_detail(first_line: str) -> bool:
    return bool(HEADER.match(first_line.strip()))


def detail_records(path: str | Path) -> Iterator[ImportResult | Row]:
    """(header line number, {attribute: value}) per record; broken records are rejected."""
    label = str(path)
    start, attrs, problem = 0, {}, ""

    def finish():
        if problem:
            return ImportResult(label, start, REJECTED, problem)
        return start, attrs

    for number, line in read_lines(path, strict=False):
        if not line.strip():
            if start:
                yield finish()
            start, attrs, problem = 0, {}, ""
        elif line[0] in " \t":
            match = _ATTRIBUTE.match(line)
            if not start:
                yield ImportResult(label, number, REJECTED, "attribute line outside a record")
            elif match is None:
                problem = problem or f"line {number} is not 'Attribute = value'"
            else:
                name, value = match[1], match[2].strip('"')
                if name in REPEATED and attrs.get(name):
                    value = f"{attrs[name]}\n{value}"
                attrs[name] = value
        elif HEADER.match(line.strip()):
            if start:
                yield finish()
            start, attrs, problem = number, {}, ""
        else:
            yield ImportResult(
                label, number, REJECTED, "not a detail record header (like 'Tue Nov 20 10:16:38 2026')"
            )
    if start:
        yield finish()


def _zone(name: str | None) -> timezone:
    if name is None:
        raise InventoryError("Event-Timestamp has no time zone")
    if name in _ZONES:
        return timezone(timedelta(minutes=_ZONES[name]))
    if name[0] in "+-":
        digits = name[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        return timezone(timedelta(minutes=minutes if name[0] == "+" else -minutes))
    raise InventoryError(f"Event-Timestamp zone {name!r} is not one of {', '.join(_ZONES)} or +hhmm")


def parse_event_time(value: str) -> datetime:
    """An instant from "1795654598", "Nov 20 2026 10:16:38 JST" or ISO 8601 with an offset."""
    value = value.strip()
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    match = _EVENT_TEXT.match(value)
    if match:
        try:
            naive = datetime.strptime(
                f"{match['month']} {match['day']} {match['year']} {match['time']}", "%b %d %Y %H:%M:%S"
            )
        except ValueError:
            raise InventoryError(f"Event-Timestamp {value!r} is not a valid time") from None
        return naive.replace(tzinfo=_zone(match["zone"]))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InventoryError(f"Event-Timestamp {value!r} is not a time this importer reads") from None
    if parsed.tzinfo is None:
        raise InventoryError(f"Event-Timestamp {value!r} has no UTC offset")
    return parsed


def event_time(attrs: dict[str, str]) -> datetime:
    for name in ("Event-Timestamp", "Timestamp"):
        if attrs.get(name):
            return parse_event_time(attrs[name])
    raise InventoryError("no Event-Timestamp (the header time has no zone, so it cannot be used)")


def session_time(attrs: dict[str, str]) -> int | None:
    value = attrs.get("Acct-Session-Time", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InventoryError(f"Acct-Session-Time {value!r} is not a number of seconds")
    return int(value)


def routes(attrs: dict[str, str]) -> list[str]:
    """The Framed-Route and Framed-IPv6-Route values of a record, one per route."""
    return [value for name in REPEATED for value in attrs.get(name, "").split("\n") if value.strip()]


def route_prefix(value: str) -> str:
    """The destination of a route as CIDR text: "198.51.100.96/29 0.0.0.0 1" (RFC 2865:
    prefix/length, gateway, metrics), "2001:db8:1:100::/56 :: 1" (RFC 3162), or the
    prefix followed by its netmask ("198.51.100.96 255.255.255.248 ..."). A prefix with
    no length is refused: RFC 2865's classful default would be a guess at whose the
    neighbouring addresses are."""
    tokens = value.split()
    destination = tokens[0] if tokens else ""
    if "/" not in destination and len(tokens) > 1 and tokens[1].startswith("255."):
        destination = f"{destination}/{tokens[1]}"
    if "/" not in destination:
        raise InventoryError(f"route {value!r} gives no prefix length")
    try:
        return str(ipaddress.ip_network(destination))
    except ValueError as exc:
        raise InventoryError(f"route {value!r}: {exc}") from None
