"""Tolerant date parsing for mail headers and report fields.

Everything returns an aware UTC datetime or None. Real reports carry zone names
(JST, EDT), "-0000", missing or wrong weekdays, single-digit hours, two-digit
years, AM/PM, trailing comments and ISO 8601 stamps; all are handled here.
"""

from __future__ import annotations

import re
import unicodedata
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

ZONE_OFFSETS = _ZONES  # the zone names read, for patterns elsewhere

# Zones people name in words rather than letters: Japan's ("Japan Standard Time", "日本時間",
# "日本標準時") and universal time ("Coordinated Universal Time", "Greenwich Mean Time",
# "協定世界時", "世界協定時", "グリニッジ標準時", and "世界標準時", as everyday Japanese calls
# UTC). Patterns for other readers too (complaint.py), case-insensitive where used so.
JST_WORDS = r"(?:Japan(?:ese)?(?:\s+Standard)?|Tokyo)\s+Time\b|日本(?:標準)?時間|日本標準時|東京時間"
UTC_WORDS = (
    r"(?:Coordinated\s+)?Universal\s+Time(?:\s+Coordinated)?\b|Greenwich\s+Mean\s+Time\b|Zulu\s+Time\b"
    r"|協定世界時|世界協定時|世界標準時|グリニッ[ジヂ](?:標準|平均)時|グリニッ[ジヂ]時間"
)
_JST_WORDS = re.compile(JST_WORDS, re.IGNORECASE)
_UTC_WORDS = re.compile(UTC_WORDS, re.IGNORECASE)
_ZONE_IN_WORDS = re.compile(rf"^\W*(?:(?P<jst>{JST_WORDS})|(?P<utc>{UTC_WORDS}))", re.IGNORECASE)


def zone_word_offset(word: str | None) -> int | None:
    """The offset (minutes) of a zone named in words or letters ("日本標準時", "世界標準時",
    "JST", "GMT"), or None for a word that names no zone."""
    if not word:
        return None
    word = " ".join(word.split())
    if word.upper() in _ZONES:
        return _ZONES[word.upper()]
    if _JST_WORDS.fullmatch(word):
        return 9 * 60
    if _UTC_WORDS.fullmatch(word):
        return 0
    return None


_MAX_LEN = 200
_COMMENT = re.compile(r"\([^()]*\)?")
_NUMERIC_ZONE = re.compile(r"(?<![\d:])([+-])(\d{2}):?(\d{2})\b")
# An offset in whole hours right after the clock: "16:30:00 +09" (Go's "-07" layout,
# PostgreSQL), "16:30:00 UTC+9", "GMT-5". RFC 5322 wants four digits; parsedate_tz reads
# two as minutes, nine minutes east for Japan's nine hours.
_HOURS_ZONE = re.compile(
    r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:UTC|GMT|UT)?\s*([+-])(\d{1,2})(?![\d:.])", re.IGNORECASE
)
_ZONE_WORD = re.compile(r"\b([A-Za-z]{1,5})\s*$")
_AMPM = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?(?![A-Za-z])")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*"
    # "+01" alone too (IntelMQ, PostgreSQL); "UTC+9", "GMT+09:00" and "(UTC+9)", as people
    # and Japanese software write the offset from universal time.
    r"(Z|[+-]\d{2}(?::?\d{2})?(?!\d)|\(?\s*(?:UTC|GMT|UT)\s*[+-]\d{1,2}(?::?\d{2})?(?![\d:])\s*\)?|[A-Z]{2,5}\b)?",
    re.IGNORECASE,
)
_UT_PLUS = re.compile(r"^\(?\s*(?:UTC|GMT|UT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*\)?$", re.IGNORECASE)


def _iso_zone_offset(zone: str) -> int | None:
    """Minutes east of UTC for the zone part _ISO read ("Z", "+09:00", "UTC+9", "JST"),
    None for a word that names no zone."""
    zone = zone.upper()
    if zone in _ZONES:
        return _ZONES[zone]
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        return (-1 if zone[0] == "-" else 1) * (int(digits[:2]) * 60 + int(digits[2:] or 0))
    plus = _UT_PLUS.match(zone)
    if plus and int(plus.group(2)) <= 14:
        return (-1 if plus.group(1) == "-" else 1) * (int(plus.group(2)) * 60 + int(plus.group(3) or 0))
    return None
_RFC_HINT = re.compile(r"\d{1,2}\s+[A-Za-z]{3}[a-z]*\s+\d{2,4}\s+\d{1,2}:\d{2}")


# Forms mail clients, logs and people write besides RFC 5322 and ISO 8601:
# "Mon, Oct 14, 2024 at 10:01 AM" (Gmail's forward), "14 October 2024 at 10:01:05 CEST"
# (Apple Mail), "2024/10/14 10:01" (Japanese software), "14.10.2024 10:01" (German),
# "14/Oct/2024:10:01:05 +0200" (web server logs), "2024年10月14日(月) 10時01分".
_AT_WORD = re.compile(r"(\d{4}),?\s+(?:at|um|à)\s+(?=\d{1,2}[:時])", re.IGNORECASE)
_YMD_SLASH = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b(?:\s*\([^)]{1,6}\))?[ T,]*(?=\d{1,2}:\d{2})")
_DMY_DOTS = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(?=\d{1,2}:\d{2})")
_NUMERIC_MD = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(?=\d{1,2}:\d{2})")
_LOG_STAMP = re.compile(r"\b(\d{1,2})/([A-Za-z]{3})/(\d{4}):(?=\d{2}:\d{2})")
# "20-Nov-2026 16:30:00 +0900": IMAP's INTERNALDATE (RFC 3501), which mail stores and
# their logs write.
_DMY_DASHES = re.compile(
    r"\b(\d{1,2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{4})\s+(?=\d{1,2}:\d{2})",
    re.IGNORECASE,
)
_JA_STAMP = re.compile(
    r"(?:(\d{4})年)?\s*(\d{1,2})月\s*(\d{1,2})日\s*(?:[(（][^)）]{1,4}[)）]|[月火水木金土日]曜日)?\s*"
    r"(?:(午前|午後)\s*)?(\d{1,2})\s*(?:時|:)\s*(\d{1,2})\s*分?(?:\s*(\d{1,2})\s*秒?)?"
)


_JA_WEEKDAY = re.compile(r"[(（][月火水木金土日][)）]")


# "Fri Nov 20 14:00:00 JST 2026": C's ctime() and the Unix `date` command, which scripts
# and some feedback loops write (the zone, when given, stands before the year).
_CTIME = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+"
    r"(\d{1,2}:\d{2}(?::\d{2})?)(?:\s+([A-Za-z]{2,5}|[+-]\d{4}))?\s+(\d{4})\b",
    re.IGNORECASE,
)


def _ctime_to_rfc(match: re.Match) -> str:
    dow, month, day, clock, zone, year = match.groups()
    return f"{dow}, {day} {month} {year} {clock}" + (f" {zone}" if zone else "")


def _normalise_forms(text: str) -> str:
    text = _CTIME.sub(_ctime_to_rfc, text)
    text = _AT_WORD.sub(r"\1 ", text)
    text = _YMD_SLASH.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d} ", text)
    text = _DMY_DOTS.sub(lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d} ", text)
    text = _LOG_STAMP.sub(lambda m: f"{m[1]} {m[2]} {m[3]} ", text)
    text = _DMY_DASHES.sub(lambda m: f"{m[1]} {m[2]} {m[3]} ", text)
    return _NUMERIC_MD.sub(_month_day_or_day_month, text)


def _month_day_or_day_month(match: re.Match) -> str:
    """"10/14/2024" is October 14 and "14/10/2024" the same day; "03/04/2024" could
    be either, and a wrong day is worse than none: left unread."""
    first, second, year = int(match[1]), int(match[2]), match[3]
    if first > 12 >= second:
        return f"{year}-{second:02d}-{first:02d} "
    if second > 12 >= first:
        return f"{year}-{first:02d}-{second:02d} "
    return match.group(0).replace("/", "?")


def _parse_japanese(text: str) -> datetime | None:
    """年月日 and 時分 as Japanese mail clients write them; with no zone named, JST."""
    match = _JA_STAMP.search(text)
    if not match or not match.group(1):
        return None
    hour = int(match.group(5))
    if match.group(4) == "午後" and hour < 12:
        hour += 12
    elif match.group(4) == "午前" and hour == 12:
        hour = 0
    rest = text[match.end() :].strip()
    offset = _explicit_offset(rest) if rest else None
    if offset is None and rest:
        offset = _zone_in_words(rest)  # "(グリニッジ標準時)", "日本標準時"
    return _build(
        int(match.group(1)), int(match.group(2)), int(match.group(3)), hour, int(match.group(6)),
        int(match.group(7) or 0), 0, 540 if offset is None else offset,
    )  # fmt: skip


def stated_offset(text: str | None) -> int | None:
    """The UTC offset (minutes) a date text names itself, or None when it names none."""
    if not text:
        return None
    cleaned = _AMPM.sub(_to_24h, _normalise_forms(" ".join(str(text).split())[:_MAX_LEN]))
    iso = _ISO.search(cleaned)
    if iso and iso.group(8) and not _RFC_HINT.search(cleaned):
        # 2026-11-25T12:00:00+09:00: the offset right after the time
        offset = _iso_zone_offset(iso.group(8))
        if offset is not None:
            return offset
    return _explicit_offset(_COMMENT.sub(" ", cleaned))


def names_no_zone(text: str | None) -> bool:
    """A date text that names no UTC offset and no zone (RFC 5322 obsolete syntax, a
    naive ISO stamp): parse_date reads it as UTC, but it could be any zone's wall clock,
    up to 14 hours either way. Japanese stamps are read as JST by parse_date, as written."""
    if not text or stated_offset(text) is not None:
        return False
    return "年" not in text and not _JA_WEEKDAY.search(text)


def parse_date_in(text: str | None, offset: int) -> datetime | None:
    """A date text that names no zone, read in the zone `offset` (minutes east of UTC)."""
    if not text or stated_offset(text) is not None:
        return parse_date(text)
    sign = "-" if offset < 0 else "+"
    return parse_date(f"{text} {sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}")


def parse_date(text: str | None) -> datetime | None:
    """Parse one date/time text into an aware UTC datetime, or None."""
    if not text:
        return None
    text = " ".join(str(text).split())[:_MAX_LEN]
    if not text:
        return None
    if "年" in text:
        return _parse_japanese(unicodedata.normalize("NFKC", text))
    japanese_weekday = _JA_WEEKDAY.search(text)
    text = _AMPM.sub(_to_24h, _normalise_forms(text))
    if japanese_weekday and _explicit_offset(text) is None:
        text += " +0900"  # a Japanese client's stamp names no zone: JST
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
    offset = _iso_zone_offset(match.group(8) or "Z")
    if offset is None:
        offset = 0  # a word after the time that names no zone: UTC, as without one
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


def _zone_in_words(text: str) -> int | None:
    """A zone named in words right at the start of `text` ("(グリニッジ標準時)")."""
    match = _ZONE_IN_WORDS.match(text)
    if not match:
        return None
    return 9 * 60 if match.group("jst") else 0


def _explicit_offset(text: str) -> int | None:
    match = _NUMERIC_ZONE.search(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return sign * (int(match.group(2)) * 60 + int(match.group(3)))
    hours = _HOURS_ZONE.search(text)
    if hours and int(hours.group(2)) <= 14:
        return (-1 if hours.group(1) == "-" else 1) * int(hours.group(2)) * 60
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


# A zone's letters ("times in CET", "All times are EST"): upper case only, as zones are
# written, so that a word such as "est" is never read as one. Not the letters that name
# zones hours apart (IST: India or Ireland; CST: China or the US; BST: Britain or
# Bangladesh): a declared zone is applied to every time that names none.
_AMBIGUOUS = {"IST", "CST", "BST"}
AMBIGUOUS_ZONES = frozenset(_AMBIGUOUS)  # for patterns elsewhere
_LETTERS = [z for z in _ZONES if len(z) > 1 and z not in {"UTC", "GMT", "JST", *_AMBIGUOUS}]
_ABBREVIATIONS = "|".join(sorted(_LETTERS, key=len, reverse=True))
_OFFSET = (
    rf"(?:(?P<jst>JST\b|{JST_WORDS})"
    rf"|(?:UTC|GMT|{UTC_WORDS})\s*(?:(?P<sign>[+-])\s*(?P<h>\d{{1,2}})(?::?(?P<m>\d{{2}}))?)?"
    # "CET/CEST", "EST/EDT": the standard or the summer zone, whichever applied on the
    # day; that is no one offset for every time.
    rf"|(?-i:(?P<abbr>{_ABBREVIATIONS})\b(?!\s*/\s*[A-Z]{{2,5}}\b)))"
)
# Where a report says once which zone its times are in: "Timezone: UTC +0900 (JST)",
# "(timezone: UTC+0000)", "All times are in UTC", "Date/timestamps (at the very left)
# are UTC.", "All times are in localtime (currently MESZ (GMT +02:00))"; a label or a
# column: "Date seen (UTC):", "TIME (UTC)", "timestamp(UTC+0)", "Report Time (UTC+8)",
# "last_seen_utc".
_DECLARED_ZONE = (
    re.compile(rf"\b(?:time\s*zone|timezone|tz)\s*[:=]?\s*\(?\s*{_OFFSET}", re.IGNORECASE),
    re.compile(
        rf"\b(?:all\s+)?(?:times?|timestamps?|dates?)(?:/\w+)?\b[^.\n]{{0,40}}?\b(?:are|is)\s+(?:in\s+)?"
        rf"(?:local\s?time\s*\(currently\s+\w+\s*\(\s*)?{_OFFSET}",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:time|timestamp|date|seen)\b[\w ]{{0,20}}?\(\s*{_OFFSET}\s*\)", re.IGNORECASE),
    re.compile(r"\b\w+_utc\b", re.IGNORECASE),
    # "From our MX log (all times JST):", "times in UTC"
    re.compile(
        rf"\b(?:all\s+(?:times?|timestamps?)\s+(?:are\s+)?(?:in\s+)?|(?:times?|timestamps?)\s+in\s+){_OFFSET}",
        re.IGNORECASE,
    ),
    # "（時刻は日本時間）", "協定世界時で記載しています"
    re.compile(rf"[(（]\s*時刻は\s*{_OFFSET}", re.IGNORECASE),
    re.compile(rf"{_OFFSET}で(?:記載|表記)", re.IGNORECASE),
)


def declared_offset(text: str, before: int | None = None) -> int | None:
    """The one UTC offset (minutes) the report declares for its times before `before`
    (a header line, a column, a sentence); None when it declares none or several."""
    # Only what stands before the time: a note after it ("the times in the attached
    # header are UTC") is about other times.
    head = text[:5000] if before is None else text[max(0, before - 5000) : before]
    offsets = set()
    for pattern in _DECLARED_ZONE:
        for match in pattern.finditer(head):
            parts = match.groupdict()
            if parts.get("jst"):
                offsets.add(9 * 60)
            elif parts.get("abbr"):
                offsets.add(_ZONES[parts["abbr"]])
            elif parts.get("sign") and int(parts["h"]) <= 14:
                sign = -1 if parts["sign"] == "-" else 1
                offsets.add(sign * (int(parts["h"]) * 60 + int(parts.get("m") or 0)))
            else:
                offsets.add(0)
    return offsets.pop() if len(offsets) == 1 else None
