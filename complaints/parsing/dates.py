"""Tolerant date parsing for mail headers and report fields.

Everything returns an aware UTC datetime or None. Real reports carry zone names
(JST, EDT), "-0000", missing or wrong weekdays, single-digit hours, two-digit
years, AM/PM, trailing comments and ISO 8601 stamps; all are handled here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz

# Offsets in minutes. CST/EST etc. follow RFC 822 (North America), as mail does.
_ZONES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 60,
    "IST": 60,
    "CET": 60,
    "MET": 60,
    "MEZ": 60,
    "CEST": 120,
    "MEST": 120,
    "MESZ": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "JST": 540,
    "KST": 540,
    "HKT": 480,
    "SGT": 480,
    "AWST": 480,
    "AEST": 600,
    "AEDT": 660,
    "ACST": 570,
    "NZST": 720,
    "NZDT": 780,
}

_MAX_LEN = 200
_COMMENT = re.compile(r"\([^()]*\)?")
_NUMERIC_ZONE = re.compile(r"(?<![\d:])([+-])(\d{2}):?(\d{2})\b")
_ZONE_WORD = re.compile(r"\b([A-Za-z]{1,5})\s*$")
_AMPM = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?(?![A-Za-z])")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}\b)?",
    re.IGNORECASE,
)
_RFC_HINT = re.compile(r"\d{1,2}\s+[A-Za-z]{3}[a-z]*\s+\d{2,4}\s+\d{1,2}:\d{2}")


def parse_date(text: str | None) -> datetime | None:
    """Parse one date/time text into an aware UTC datetime, or None."""
    if not text:
        return None
    text = " ".join(str(text).split())[:_MAX_LEN]
    if not text:
        return None
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    return _parse_rfc(text)


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.search(text)
    if not match or _RFC_HINT.search(text):
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = (match.group(8) or "Z").upper()
    if zone in ("Z", "UTC", "GMT"):
        offset = 0
    elif zone in _ZONES:
        offset = _ZONES[zone]
    elif zone[0] not in "+-":
        offset = 0  # a word after the time that names no zone: UTC, as without one
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
    return _build(year, month, day, hour, minute, second, micro, offset)


def _parse_rfc(text: str) -> datetime | None:
    cleaned = _COMMENT.sub(" ", text)  # "(EST)", "(UTC" and the like: the numeric zone wins
    cleaned = _AMPM.sub(_to_24h, cleaned)
    cleaned = " ".join(cleaned.replace(",", ", ").split())
    offset = _explicit_offset(cleaned)
    try:
        parts = parsedate_tz(cleaned)
    except Exception:
        parts = None
    if not parts:
        return None
    year, month, day, hour, minute, second = parts[:6]
    if offset is None:
        # parsedate_tz knows only a few North American names; it gives None for JST etc.
        offset = parts[9] // 60 if parts[9] is not None else 0
    return _build(year, month, day, hour, minute, second, 0, offset)


def _explicit_offset(text: str) -> int | None:
    match = _NUMERIC_ZONE.search(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return sign * (int(match.group(2)) * 60 + int(match.group(3)))
    word = _ZONE_WORD.search(text)
    if word and word.group(1).upper() in _ZONES:
        return _ZONES[word.group(1).upper()]
    return None


def _to_24h(match: re.Match) -> str:
    hour = int(match.group(1)) % 12
    if match.group(4).lower() == "p":
        hour += 12
    return f"{hour:02d}:{match.group(2)}:{match.group(3) or '00'}"


def _build(year, month, day, hour, minute, second, micro, offset) -> datetime | None:
    if year < 100:  # two-digit years, as RFC 2822 section 4.3 reads them
        year += 2000 if year < 50 else 1900
    if not 1970 <= year <= 2200 or abs(offset) > 18 * 60:
        return None
    try:
        local = datetime(
            year, month, day, hour, minute, min(second, 59), micro, tzinfo=timezone(timedelta(minutes=offset))
        )
    except (ValueError, OverflowError):
        return None
    return local.astimezone(UTC)
