"""Several incidents listed in a notice's own words, each from its own source address.

A honeypot operator, a CERT or a person lists what they saw as lines of text rather
than an attached table:

    IP address        Time (UTC)            Type
    198.51.100.7      2026-11-20 04:30:12   Spam Server
    198.51.100.9      2026-11-20 05:11:02   Harvester

or as blocks ("IP: 198.51.100.7" / "Time: 2026-11-20 04:30:12 UTC" / "Activity: …"),
or as a bulleted list ("- 198.51.100.7 at 2026-11-20 04:30 UTC"). A report reads one
source; the incidents of every other address are filed as reports of their own, as a
table's rows are (tables.other_sources), or they would be read by nobody.

Only a line that starts with its address (after a list marker, a label such as
"IP:" or "Source IP address:", or the time itself) counts as a row, and only if it also
writes a date and a clock time. A pasted mail header ("Received: from host (host
[198.51.100.7]) …"), a log line ("… sshd[123]: Failed password … from 198.51.100.7")
or a sentence naming an address in passing is no incident row: those stay as the
report reads them today.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .hosts import is_routable_ip, normalise_ip

# At most this many other addresses are filed from one notice (tables.py has the same).
MAX_OTHER_INCIDENTS = 200
# The lines kept around each incident when it is filed on its own: the notice's own
# words before the list (what was seen, in which zone) and the list's header line.
MAX_CONTEXT_LINES = 8
MAX_BLOCK_LINES = 8

_MARKER = re.compile(r"^[ \t]*(?:[-*•・+]|(?:\d{1,3}[.)]|\(\d{1,3}\))(?=[ \t]))?[ \t]*")
_LABEL = re.compile(
    r"^(?:(?:source|src|attacker|attacking|offending|infected|compromised|sending|sender)[ \t_-]*)?"
    r"(?:ip(?:v[46])?|host|address)(?:[ \t_-]*address)?[ \t]*[:=][ \t]*"
    r"|^(?:送信元|発信元|攻撃元)?(?:IP)?(?:アドレス)?[ \t]*[:：][ \t]*",
    re.IGNORECASE,
)
# What may stand before a row's address: its time ("2026-11-20 04:30:12 UTC  198.51.100.7").
_TIME_PREFIX = re.compile(
    r"(?:[\d \t\-/.:,+()\[\]|;]|T|Z|UTC|GMT|JST|年|月|日|時|分|秒"
    r"|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)*",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}年\s*\d{1,2}月\s*\d{1,2}日"
    r"|\b\d{1,2}[ \t-](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ \t-]\d{4}"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ \t]+\d{1,2}\b"
    r"|\b\d{1,2}/(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/\d{4}",  # a web server's log
    re.IGNORECASE,
)
_CLOCK = re.compile(r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?(?![\d.])|\d{1,2}時")
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_ANY_ADDRESS = re.compile(
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])|\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}|::[0-9A-Fa-f]{1,4}"
)
_TOKEN = re.compile(r"[^\s,;|]+")


class Incident(NamedTuple):
    ip: str
    start: int  # the index of its first line
    lines: list[str]


class Listed(NamedTuple):
    context: list[str]  # the notice's lines before the list that name no address
    incidents: list[Incident]  # the first incident of each address, in the notice's order


def listed_incidents(prose: str) -> Listed | None:
    """The incidents a notice lists in its words, one per source address, when it lists
    those of two addresses or more; else None."""
    if not prose:
        return None
    lines = unicodedata.normalize("NFKC", prose).splitlines()
    found: dict[str, Incident] = {}
    n = 0
    while n < len(lines) and len(found) <= MAX_OTHER_INCIDENTS:
        line = lines[n]
        block = _block(lines, n)
        if block is not None:
            ip, length = block
            found.setdefault(ip, Incident(ip, n, lines[n : n + length]))
            n += length
            continue
        ip = _row_address(line)
        if ip is not None:
            found.setdefault(ip, Incident(ip, n, [line]))
        n += 1
    if len(found) < 2:
        return None
    first = min(i.start for i in found.values())
    context = [
        line for line in lines[:first] if line.strip() and not _ANY_ADDRESS.search(_DEFANG.sub(".", line))
    ][-MAX_CONTEXT_LINES:]
    return Listed(context, sorted(found.values(), key=lambda i: i.start))


def _leading(line: str) -> tuple[str, str] | None:
    """(the text before the line's first address-like token, that token's address)."""
    text = _DEFANG.sub(".", line)
    text = text[_MARKER.match(text).end() :]
    text = _LABEL.sub("", text, count=1)
    for match in _TOKEN.finditer(text):
        ip = _address(match.group(0))
        if ip is not None:
            return text[: match.start()], ip
        if not _TIME_PREFIX.fullmatch(match.group(0)):
            return None  # a word before any address: a sentence or a log line, no row
    return None


def _row_address(line: str) -> str | None:
    """The source of a row: a line starting with its address (or its time, then the
    address) that writes a date and a clock time."""
    lead = _leading(line)
    if lead is None or not _TIME_PREFIX.fullmatch(lead[0]):
        return None
    if not (_DATE.search(line) and _CLOCK.search(line)):
        return None
    return lead[1] if is_routable_ip(lead[1]) else None


def _block(lines: list[str], n: int) -> tuple[str, int] | None:
    """An incident written as a block: a label line holding only its address
    ("IP: 198.51.100.7"), then its other fields up to a blank line, with a date and a
    clock time among them: (the address, the number of lines)."""
    text = _DEFANG.sub(".", lines[n])
    text = text[_MARKER.match(text).end() :]
    label = _LABEL.match(text)
    if label is None or label.end() == 0:
        return None
    rest = text[label.end() :].strip()
    ip = _address(rest) if rest and " " not in rest else None
    if ip is None or not is_routable_ip(ip):
        return None
    length = 1
    while n + length < len(lines) and length < MAX_BLOCK_LINES and lines[n + length].strip():
        following = _DEFANG.sub(".", lines[n + length])
        following = following[_MARKER.match(following).end() :]
        if (other := _LABEL.match(following)) and other.end() and _address(following[other.end() :].strip()):
            break  # the next incident's label line, with no blank line between
        length += 1
    written = "\n".join(lines[n : n + length])
    if not (_DATE.search(written) and _CLOCK.search(written)):
        return None
    return ip, length


def _address(token: str) -> str | None:
    """A token as an address: "198.51.100.7", "198.51.100.7:52311", "[2001:db8::1]:443",
    "<198.51.100.7>"; None for anything else."""
    token = token.strip("\"'<>(),.")
    if token.startswith("["):
        token = token[1:].split("]", 1)[0]
    elif token.count(":") == 1 and "." in token:
        token = token.split(":", 1)[0]  # IPv4 with its port
    if not _ANY_ADDRESS.fullmatch(token):
        return None
    return normalise_ip(token)
