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

_MARKER = re.compile(r"^[ \t]*(?:[-*•・+■□◆◇●○◎※]|(?:\d{1,3}[.)]|\(\d{1,3}\))(?=[ \t]))?[ \t]*")
_LABEL = re.compile(
    r"^(?:(?:source|src|attacker|attacking|offending|infected|compromised|sending|sender)[ \t_-]*)?"
    r"(?:ip(?:v[46])?|host|address)(?:[ \t_-]*address)?[ \t]*[:=][ \t]*"
    r"|^(?:送信元|発信元|攻撃元)?(?:IP)?(?:アドレス)?[ \t]*[:：][ \t]*"
    r"|^【(?=[^】])(?:送信元|発信元|攻撃元)?(?:IP)?(?:アドレス)?】[ \t]*(?:[:：][ \t]*)?",  # 【送信元IP】
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
# A field of a block: a short name, then its value ("Time: …", "Source IP address: …",
# "受信日時：…", "【日時】…"); a sentence ending in a colon ("Details below:") has no value.
_FIELD = re.compile(r"(?:【([^】\n]{1,30})】|([^\W\d_][\w .()/-]{0,30}?)[ \t]*[:：=])[ \t]*\S")
# A pasted mail header field ("Received: from …"): its name has no spaces.
_HEADER_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9-]*:[ \t]*\S")
# After a syslog line's host: the program that logged it ("kernel:", "sshd[123]:",
# "CRON[77]:", a Cisco device's "%ASA-4-106023:"), never a capitalised word or a port
# of a list's own ("Port: 22", "SSH: …", "22:").
_SYSLOG_TAG = re.compile(r"[ \t]+(?:[A-Za-z][\w./-]*\[\d+\]|[a-z][a-z0-9./_-]*|%[\w-]+):(?:[ \t]|$)")


class Incident(NamedTuple):
    ip: str
    start: int  # the index of its first line
    lines: list[str]


class Listed(NamedTuple):
    context: list[str]  # the notice's lines before the list that name no address
    incidents: list[Incident]  # the first incident of each address, in the notice's order


def listed_incidents(prose: str, *, event_key=None) -> Listed | None:
    """The incidents a notice lists in its words, one per source address, when it lists
    those of two addresses or more; else None.

    `event_key(ip, lines)` says which incidents are one: by default those of one address.
    For an address shared between customers by port the caller keys by (address, port)."""
    if not prose:
        return None
    key_of = event_key or (lambda ip, lines: ip)
    lines = unicodedata.normalize("NFKC", prose).splitlines()
    found: dict[object, Incident] = {}
    labels: dict[str, int] = {}  # the line of each block's address label
    fields = _Fields(lines)
    n = 0
    while n < len(lines) and len(found) <= MAX_OTHER_INCIDENTS:
        line = lines[n]
        block = _block(lines, n, fields)
        if block is not None:
            ip, label, length = block
            key = key_of(ip, lines[n : n + length])
            if key not in found:
                found[key], labels[key] = Incident(ip, n, lines[n : n + length]), label
            n += length
            continue
        ip = _row_address(line) if not _folded_header_line(lines, n) else None
        if ip is not None:
            found.setdefault(key_of(ip, [line]), Incident(ip, n, [line]))
        n += 1
    if len(found) < 2:
        return None
    listed = sorted(found.values(), key=lambda i: i.start)
    first = listed[0]
    before = [line for line in lines[: first.start] if line.strip()]
    first_key = next(key for key, incident in found.items() if incident is first)
    if first_key in labels:
        # The first block's fields above its address that no other incident repeats
        # ("Note: all times are UTC") are the notice's words; the ones each repeats
        # ("URL: …") are that incident's own, never the others'.
        repeated = {_key(line) for other in listed[1:] for line in other.lines} - {None}
        head = first.lines[: labels[first_key] - first.start]
        before += [line for line in head if _key(line) not in repeated]
    context = [line for line in before if not _names_address(line)]
    return Listed(context[-MAX_CONTEXT_LINES:], listed)


def _names_address(line: str) -> bool:
    """Whether a line names an address: not a clock time ("14:00:05") or a MAC address
    that only looks like an IPv6 one ("All times below are CET, report of 14:00:05")."""
    return any(normalise_ip(m.group(0)) for m in _ANY_ADDRESS.finditer(_DEFANG.sub(".", line)))


def _leading(line: str) -> tuple[str, str, str] | None:
    """(the text before the line's first address-like token, that token's address, the
    text after it)."""
    text = _DEFANG.sub(".", line)
    text = text[_MARKER.match(text).end() :]
    text = _LABEL.sub("", text, count=1)
    for match in _TOKEN.finditer(text):
        ip = _address(match.group(0))
        if ip is not None:
            return text[: match.start()], ip, text[match.end() :]
        if not _TIME_PREFIX.fullmatch(match.group(0)):
            return None  # a word before any address: a sentence or a log line, no row
    return None


# A syslog line's priority before its time ("<34>"), and RFC 5424's version after it.
_PRIORITY = re.compile(r"^[ \t]*<\d{1,3}>(?:1[ \t]+)?")
# After an RFC 5424 line's host: app-name, procid, msgid and structured data or "-".
_SYSLOG_5424 = re.compile(r"[ \t]+\S{1,48}[ \t]+\S{1,128}[ \t]+\S{1,32}[ \t]+(?:-|\[)")


def syslog_host(before: str, after: str) -> bool:
    """An address written between `before` (its line up to it) and `after` (what follows)
    is a pasted syslog line's host: "Nov 20 04:30:12 192.0.2.10 kernel: DROP SRC=…",
    "<34>1 2026-11-20T04:30:12Z 192.0.2.10 sshd 812 - - …", the device that logged the
    line (a relay writes the host's address where it has no name), not a source."""
    stamp = _PRIORITY.sub("", before)
    if not stamp.strip() or not _TIME_PREFIX.fullmatch(stamp):
        return False
    if not (_DATE.search(stamp) and _CLOCK.search(stamp)):
        return False
    return bool(_SYSLOG_TAG.match(after) or (before != stamp and _SYSLOG_5424.match(after)))


def _row_address(line: str) -> str | None:
    """The source of a row: a line starting with its address (or its time, then the
    address) that writes a date and a clock time."""
    lead = _leading(line)
    if lead is None or not _TIME_PREFIX.fullmatch(lead[0]):
        return None
    if not (_DATE.search(line) and _CLOCK.search(line)):
        return None
    if _CLOCK.search(lead[0]) and _SYSLOG_TAG.match(lead[2]):
        # "Nov 20 04:30:12 192.0.2.10 kernel: DROP SRC=…": a syslog line whose host is
        # written as its address, the device that logged it, not a source.
        return None
    return lead[1] if is_routable_ip(lead[1]) else None


def _folded_header_line(lines: list[str], n: int) -> bool:
    """A line continuing a pasted mail header field ("Received: from host (host" then
    " [198.51.100.7]) by mx…; Fri, 20 Nov 2026 04:30:12 +0000"): a hop of a message's
    path, not an incident's row. The field is the first line above it written less
    indented, with no blank line between."""
    indent = _indent(lines[n])
    if not indent:
        return False
    for k in range(n - 1, max(-1, n - 1 - MAX_BLOCK_LINES), -1):
        if not lines[k].strip():
            return False
        if _indent(lines[k]) < indent:
            return bool(_HEADER_FIELD.match(lines[k].strip()))
    return False


def _indent(line: str) -> int:
    line = line.expandtabs()
    return len(line) - len(line.lstrip())


def _block(lines: list[str], n: int, fields: _Fields) -> tuple[str, int, int] | None:
    """An incident written as a block of fields ("URL: …", "IP: 198.51.100.7", "Time:
    2026-11-20 04:30:12 UTC", "Activity: …") from line `n`, up to a blank line or the
    next incident's first field (another address label, or a field name the block
    already has once it has its address and time: "Port: 22" / "Port: 23" before them
    is one incident's), with one label holding only its address and a date and a clock
    time among them: (the address, the line of its label, the number of lines)."""
    if fields.key(n) is None:
        return None
    keys: set[str] = set()
    ip = label = None
    length = 0
    while n + length < len(lines) and length < MAX_BLOCK_LINES and lines[n + length].strip():
        key, address = fields.key(n + length), fields.address(n + length)
        if ip is not None and (address is not None or (key in keys and _dated(lines[n : n + length]))):
            break  # the next incident's first field
        if address is not None and ip is None:
            ip, label = address, n + length
        if key is not None:
            keys.add(key)
        length += 1
    if ip is None or not is_routable_ip(ip):
        return None
    return (ip, label, length) if _dated(lines[n : n + length]) else None


def _dated(lines: list[str]) -> bool:
    """Whether these lines write a date and a clock time."""
    written = "\n".join(lines)
    return bool(_DATE.search(written) and _CLOCK.search(written))


class _Fields:
    """Each line's field name and label address, worked out once (a block is tried
    from each of its lines)."""

    def __init__(self, lines: list[str]):
        self._lines = lines
        self._keys: dict[int, str | None] = {}
        self._addresses: dict[int, str | None] = {}

    def key(self, n: int) -> str | None:
        if n not in self._keys:
            self._keys[n] = _key(self._lines[n])
        return self._keys[n]

    def address(self, n: int) -> str | None:
        if n not in self._addresses:
            self._addresses[n] = _label_address(self._lines[n])
        return self._addresses[n]


def _label_address(line: str) -> str | None:
    """The address of a label line holding only it ("IP: 198.51.100.7", "送信元IP：…")."""
    text = _DEFANG.sub(".", line)
    text = text[_MARKER.match(text).end() :]
    label = _LABEL.match(text)
    if label is None or label.end() == 0:
        return None
    rest = text[label.end() :].strip()
    return _address(rest) if rest and " " not in rest else None


def _key(line: str) -> str | None:
    """The name of a field line ("Time: …" -> "time"), None for any other line."""
    text = _DEFANG.sub(".", line)
    match = _FIELD.match(text[_MARKER.match(text).end() :])
    return " ".join((match.group(1) or match.group(2)).lower().split()) if match else None


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
