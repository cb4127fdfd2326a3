"""Tables in notices: the CSV a CERT or a scanning project attaches (plain, zipped or
gzipped), and the rows pasted into a notice's text.

A notice that lists its events in a table names the source in a column ("ip",
"source.ip", "Source IP", "src_ip", "source_ipaddr"); the other addresses in the row
(the honeypot it reached, the target) are not the source, however early they stand.
A row whose source is non-routable (an anonymised or NATed drone) has no usable source:
the C&C server, sinkhole or destination in its other columns never stands in for it, so
they are left out of the text the notice is read from. A column naming the bot or malware
family ("botname", "infection", "malware") says, for the row read, that it is malware.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime
from email.message import Message

from . import mime
from .hosts import is_routable_ip, normalise_ip

# What a data attachment is called and how it is typed.
_DATA_TYPES = (
    "text/csv", "text/tab-separated-values", "application/csv", "text/comma-separated-values",
    "application/json", "application/zip", "application/x-zip-compressed", "application/gzip",
    "application/x-gzip",
)  # fmt: skip
_DATA_NAME = re.compile(r"\.(?:csv|tsv|json)(?:\.(?:zip|gz))?$|\.zip$", re.IGNORECASE)
_TABLE_NAME = re.compile(r"\.(?:csv|tsv|txt|json)$", re.IGNORECASE)
_TEXT_NAME = re.compile(r"\.txt(?:\.gz)?$", re.IGNORECASE)
# Enough rows to find the first event; a notice's table can hold thousands.
MAX_TABLE_BYTES = 256 * 1024
MAX_ZIP_ENTRIES = 5


def data_attachments(msg: Message) -> list[Message]:
    found = []
    for part in mime.walk(msg):
        if mime.content_type(part).startswith(("multipart/", "message/")):
            continue
        name = mime.filename(part) or ""
        if mime.content_type(part) in _DATA_TYPES or _DATA_NAME.search(name):
            found.append(part)
        elif mime.content_type(part) == "text/plain" and _TEXT_NAME.search(name):
            found.append(part)  # a feed's list attached as a file: "infected_20261120.txt"
    return found


def attached_tables(msg: Message) -> tuple[str, list[str]]:
    """The text of the tables attached to a message (zip and gzip opened), and their
    names. Only table-like entries of an archive are read (never a program in it)."""
    texts, names = [], []
    for part in data_attachments(msg):
        name = mime.filename(part) or mime.content_type(part)
        data = mime.part_bytes(part)
        for entry, content in _opened(name, data):
            text = mime.decode_bytes(content[:MAX_TABLE_BYTES])
            text = _family_named(only_the_sources_address(_epoch_times(events_as_table(text) or text)))
            if source_column(text) is not None:
                texts.append(text)
                names.append(entry)
    return "\n\n".join(texts), names


# An event's source and time in the JSON lists CERTs send (IntelMQ's flat keys, or a
# nested "source": {"ip": …}).
# Keys compared without case or separators: IntelMQ's "source.ip", "src_ip", Microsoft's
# "SourceIp" (CTIP Infected) and "networksourceipv4" (CTIP v1.5).
_JSON_SOURCE_KEYS = (
    "sourceip", "srcip", "src", "ip", "source", "sourceaddress", "srcaddr",
    "networksourceipv4", "networksourceipv6", "sourceipv4", "sourceipv6", "srcipv4", "srcipv6",
)  # fmt: skip
_JSON_PORT_KEYS = ("sourceport", "srcport", "sport", "portsrc", "clientport", "networksourceport")
_JSON_TIME_KEYS = (
    "timesource", "timestamp", "time", "firstseen", "lastseen", "date", "datetime", "timeobservation",
    "datetimereceivedutctxt", "datetimeutc", "eventtime", "firstreporteddatetime",
)  # fmt: skip
# Times a feed documents as UTC without writing a zone: CTIP v1.5's "firstreporteddatetime".
_JSON_UTC_KEYS = frozenset({"firstreporteddatetime"})
# The bot or malware family an event names: IntelMQ's "malware.name", CTIP's "Malware",
# Shadowserver's "infection"; CTIP v1.5 names it in "externalid" of a "Botnet" indicator.
_JSON_FAMILY_KEYS = ("malwarename", "malware", "malwarefamily", "family", "botname", "infection")
MAX_EVENTS = 200


def events_as_table(text: str) -> str | None:
    """A JSON list of events as a table (source.ip, time.source, source.port), or None
    when the text is no such list."""
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        data = _json_lines(stripped)
        if data is None:
            return None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [data])
    if not isinstance(data, list):
        return None
    rows, families = [], False
    for event in data[:MAX_EVENTS]:
        if not isinstance(event, dict):
            continue
        keyed = {_key(k): (k, v) for k, v in event.items()}
        ip = next(
            (found for k in _JSON_SOURCE_KEYS if (found := _address(keyed.get(k, ("", None))[1]))), None
        )
        if ip is None:
            continue
        when = ""
        for k in _JSON_TIME_KEYS:
            name, value = keyed.get(k, ("", None))
            if isinstance(value, str) and value.strip():
                # "DateTimeReceivedUtcTxt": the key names the zone its value leaves out.
                when = re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", value)  # "04:45:28.4870"
                says_utc = "utc" in name.lower() or k in _JSON_UTC_KEYS
                if says_utc and not re.search(r"[zZ]$|[+-]\d\d:?\d\d$|UTC|GMT", when):
                    when = f"{when} UTC"
                break
        port = next((found for k in _JSON_PORT_KEYS if (found := _port(keyed.get(k, ("", None))[1]))), None)
        if port is None and isinstance(source := keyed.get("source", ("", None))[1], dict):
            port = _port(source.get("port"))  # nested: "source": {"ip": …, "port": …}
        family = _json_family(keyed)
        families = families or bool(family)
        rows.append(f"{ip},{when.replace(',', ' ')},{port or ''},{_plain(family)}")
    if not rows:
        return None
    header = "source.ip,time.source,source.port,family"  # "malware.name" if the row read names one
    if not families:  # no family column when no event names one
        header, rows = header.rpartition(",")[0], [row.rpartition(",")[0] for row in rows]
    return header + "\n" + "\n".join(rows)


def _json_lines(text: str) -> list | None:
    """Events written one JSON object a line (CTIP's Azure feed, a SIEM's export)."""
    events = []
    for line in text.splitlines()[: MAX_EVENTS * 2]:
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        events.append(event)
    return events or None


def _json_family(keyed: dict) -> str:
    for k in _JSON_FAMILY_KEYS:
        value = keyed.get(k, ("", None))[1]
        if isinstance(value, str) and value.strip():
            return value.strip()
    threat = keyed.get("indicatorthreattype", ("", None))[1]
    external = keyed.get("externalid", ("", None))[1]
    if isinstance(threat, str) and threat.strip().lower() == "botnet":
        return external.strip() if isinstance(external, str) and external.strip() else "botnet"
    return ""


def _plain(value: str) -> str:
    """A value as one cell of the comma-separated table the events are written as."""
    return re.sub(r"[,\r\n]+", " ", value)[:80]


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


# A time column ("lastseen", "timestamp", "first_seen") written as Unix seconds.
_TIME_HEADER = re.compile(r"time|date|seen", re.IGNORECASE)
_EPOCH = re.compile(r"^\d{9,10}$")


def _epoch_times(text: str) -> str:
    """The table with its Unix-seconds times written as UTC times ("1795149000" in a
    "lastseen" column is 2026-11-20 04:30:00Z), for the times to be read as any other."""
    found = source_column(text)
    if found is None:
        return text
    number, separator, _index = found
    lines = text.splitlines()
    columns = [
        i
        for i, cell in enumerate(_cells(_uncommented(lines[number]), separator))
        if _TIME_HEADER.search(cell)
    ]
    if not columns:
        return text
    for n in range(number + 1, min(len(lines), number + 400)):
        cells = lines[n].split(separator)
        changed = False
        for i in columns:
            value = cells[i].strip().strip('"') if i < len(cells) else ""
            if _EPOCH.match(value) and 946684800 <= int(value) < 4102444800:  # 2000 to 2100
                cells[i] = datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
                changed = True
        if changed:
            lines[n] = separator.join(cells)
    return "\n".join(lines)


def _uncommented(line: str) -> str:
    """A header written as a comment: "; ip, asn, …" (Spamhaus), "# Format: report|ip|…" (Team Cymru)."""
    return _COMMENTED.sub("", line, count=1)


_COMMENTED = re.compile(r"^\s*[#;]+\s*(?:(?:format|fields|columns)\s*:\s*)?", re.IGNORECASE)


def _address(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("ip") or value.get("address")
    return normalise_ip(value) if isinstance(value, str) else None


def _opened(name: str, data: bytes) -> list[tuple[str, bytes]]:
    lower = name.lower()
    try:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = [i for i in archive.infolist() if _TABLE_NAME.search(i.filename)][:MAX_ZIP_ENTRIES]
                return [(i.filename, archive.open(i).read(MAX_TABLE_BYTES)) for i in entries]
        if data[:2] == b"\x1f\x8b" or lower.endswith(".gz"):
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                return [(name, unzipped.read(MAX_TABLE_BYTES))]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return []
    return [(name, data)]


# A column that holds the source: "ip", "src_ip", "source.ip", "Source IP", "source_ipaddr",
# "infected_ip". Not "destination IP", "dst_ip", "target".
_SOURCE_HEADER = re.compile(
    r"^(?:(?:src|source)(?:[ _.-]?(?:ip|ipaddr|ip[ _-]?address|address|addr|ipv4|ipv6))?"
    r"|ip(?:[ _-]?address)?|(?:affected|infected|compromised|attacker|offending)[ _-]?ip)$",
    re.IGNORECASE,
)
_ANY_IP_HEADER = re.compile(
    r"^(?!(?:dst|dest|destination|target|sinkhole|server|honeypot|victim|local|our|my|internal|nat|public)_)"
    r"[a-z0-9]+(?:_[a-z0-9]+)*_ip$"
)  # a machine's column (lower case, underscores): "http_referer_ip", never "Local IP"
_SEPARATORS = (",", ";", "\t", "|")


def _cells(line: str, separator: str) -> list[str]:
    return [cell.strip().strip('"').strip("'").strip() for cell in line.split(separator)]


def source_column(text: str) -> tuple[int, str, int] | None:
    """(line number of the header, separator, index of the source column), or None."""
    for number, line in enumerate(text.splitlines()[:400]):
        for separator in _SEPARATORS:
            if line.count(separator) < 1:
                continue
            cells = _cells(_uncommented(line), separator)
            index = next((i for i, cell in enumerate(cells) if _SOURCE_HEADER.match(cell)), None)
            if index is None:
                # Another address column of the reported side ("http_referer_ip"), never
                # the other end ("dst_ip", "destination IP", the sinkhole's own).
                index = next((i for i, cell in enumerate(cells) if _ANY_IP_HEADER.match(cell)), None)
            if index is not None and len(cells) >= 2:
                return number, separator, index
    return None


# A column that holds the source's port, compared without case or separators:
# "src_port", "source_port", "sport", "Source Port", "srcport", "port_src", "client_port".
# Never the other end's ("dst_port", "dport", "Target Port", "dest port") nor a bare "port".
_SOURCE_PORT_KEY = re.compile(
    r"^(?:(?:src|source|client|orig|origin|originating|sender|attacker)(?:ip)?port(?:number|no)?"
    r"|sport|port(?:src|source))$"
)


def _port(value) -> int | None:
    value = str(value).strip() if value is not None else ""
    return int(value) if value.isdigit() and 0 < int(value) <= 65535 else None


def table_source_port(text: str, ip: str | None) -> int | None:
    """The source port of the row a table's source is read from (`table_source`), when
    that row's source is `ip` and the table has a source-port column; None otherwise."""
    if not ip:
        return None
    found = source_column(text)
    row = table_source(text)
    if found is None or row is None or row[0] != normalise_ip(ip):
        return None
    number, separator, _index = found
    header = _cells(_uncommented(text.splitlines()[number]), separator)
    column = next((i for i, cell in enumerate(header) if _SOURCE_PORT_KEY.match(_key(cell))), None)
    if column is None:
        return None
    cells = _cells(row[1], separator)
    return _port(cells[column]) if column < len(cells) else None


def table_source(text: str) -> tuple[str, str] | None:
    """(the source address, that row's text) of the first row of a table in `text` whose
    source is routable; else of its first row with an address at all (no row has a
    usable source: the caller says so)."""
    found = source_column(text)
    if found is None:
        return None
    number, separator, index = found
    first = None
    for line in text.splitlines()[number + 1 : number + 60]:
        cells = _cells(line, separator)
        if len(cells) > index:
            ip = normalise_ip(cells[index])
            if ip and is_routable_ip(ip):
                return ip, line
            first = first or ((ip, line) if ip else None)
    return first


# A notice's table lists many events; the report reads one (table_source) and each other
# source address is filed as a report of its own, up to this many.
MAX_OTHER_SOURCES = 200


def other_sources(
    text: str, chosen: str | None, *, chosen_port: int | None = None, shared=lambda ip: False
) -> tuple[str, list[str]]:
    """(the table's header line, one row for each other routable source address, in the
    table's order): the events `table_source` did not read. The first row of each address
    stands for it; a row of the address already read is none of them.

    An address that `shared` says is shared between customers by port (carrier-grade
    NAT) names a customer only with its source port: there the first row of each
    (address, port) stands for it, when the table has a source-port column."""
    found = source_column(text)
    if found is None:
        return "", []
    number, separator, index = found
    lines = text.splitlines()
    header = _cells(_uncommented(lines[number]), separator)
    port_column = next((i for i, cell in enumerate(header) if _SOURCE_PORT_KEY.match(_key(cell))), None)
    verdicts: dict[str, bool] = {}

    def key(ip: str, port: int | None) -> tuple[str, int | None]:
        if port_column is None or port is None:
            return ip, None
        if ip not in verdicts:
            verdicts[ip] = bool(shared(ip))
        return (ip, port) if verdicts[ip] else (ip, None)

    rows = []
    seen = {key(normalise_ip(chosen), chosen_port)} if chosen and normalise_ip(chosen) else set()
    for line in lines[number + 1 : number + 1 + MAX_ROWS * 25]:
        if not line.strip():
            break  # the table ends at its first blank line
        cells = _cells(line, separator)
        ip = normalise_ip(cells[index]) if len(cells) > index else None
        if not ip or not is_routable_ip(ip):
            continue
        port = _port(cells[port_column]) if port_column is not None and port_column < len(cells) else None
        event = key(ip, port)
        if event not in seen:
            seen.add(event)
            rows.append(line)
            if len(rows) >= MAX_OTHER_SOURCES:
                break
    return lines[number], rows


# An address anywhere in a cell, defanged ("192.0.2[.]1") or with a port ("192.0.2.1:8080").
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_CELL_ADDRESS = re.compile(r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}")
MAX_ROWS = 400


def only_the_sources_address(text: str) -> str:
    """The text with every address in a table's column other than the source's left
    out: the C&C server a drone called ("cc", "c2", "cc_ip"), the sinkhole, the
    destination or target, a "refid". None of them is the source, and when a row's
    source is non-routable nothing in its other columns may be read in its place. The
    table ends at the first blank line after its header: words after it are kept."""
    found = source_column(text)
    if found is None:
        return text
    number, separator, index = found
    lines = text.splitlines()
    for n in range(number + 1, min(len(lines), number + MAX_ROWS)):
        if not lines[n].strip():
            break
        cells = lines[n].split(separator)
        if len(cells) <= index:
            continue
        source = normalise_ip(_cells(cells[index], separator)[0])
        changed = False
        for i, cell in enumerate(cells):
            if i != index and any(ip != source for ip in _addresses(cell)):
                cells[i], changed = "", True
        if changed:
            lines[n] = separator.join(cells)
    return "\n".join(lines)


def _addresses(cell: str) -> list[str]:
    cell = _DEFANG.sub(".", unicodedata.normalize("NFKC", cell))
    return [ip for match in _CELL_ADDRESS.finditer(cell) if (ip := normalise_ip(match.group(0)))]


# A column naming the bot or malware family of the host the row reports: Spamhaus CERT's
# "botname", Shadowserver's "infection", AbuseHUB's "infection_type", IntelMQ's
# "malware.name". Compared without case or separators.
_FAMILY_KEY = re.compile(
    r"^(?:bot|botname|infection|infectiontype|malware|malwarename|malwarefamily|family)$"
)
# What such a column holds when it names no malware: nothing, or an activity Spamhaus CERT
# lists beside the bots (an open relay, a password guesser, a scanner, a spamvertised link).
_NO_FAMILY = re.compile(
    r"^(?:|-+|\?+|n/?a|none|null|unknown|0"
    r"|open[ _-]?(?:relay|proxy|resolver)|openrelay|\w*(?:auth|login|scan|scanner|brute\w*)"
    r"|iot(?:rdp|cmd|user)|l_spamlink|spamlink)$",
    re.IGNORECASE,
)


def _family_named(text: str) -> str:
    """The table with its family column headed "malware.name" when the row the source is
    read from (`table_source`) names a bot or malware family: the notice's words then say
    it is about an infected machine ("botname", "infection" are no such word)."""
    found, row = source_column(text), table_source(text)
    if found is None or row is None:
        return text
    number, separator, _index = found
    lines = text.splitlines()
    header = lines[number]
    words = _uncommented(header)
    names = words.split(separator)
    column = next((i for i, cell in enumerate(names) if _FAMILY_KEY.match(_key(cell))), None)
    cells = _cells(row[1], separator)
    if column is None or column >= len(cells) or _NO_FAMILY.match(cells[column]):
        return text
    names[column] = names[column].replace(names[column].strip().strip('"').strip("'").strip(), "malware.name")
    lines[number] = header[: len(header) - len(words)] + separator.join(names)
    return "\n".join(lines)
