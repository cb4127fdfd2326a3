"""Parse one Received header into a Hop, tolerating every shape seen in the wild.

Shapes handled (newest MTAs first): Postfix/sendmail "from helo (rdns [ip])",
qmail "from rdns (HELO helo) (ip)", Exim "from [ip] (helo=x)" / "from rdns ([ip]:port
helo=x)", Microsoft "from name (ipv6) by name (ipv6) with Microsoft SMTP Server",
fetchmail "from host [ip] by localhost with IMAP", IPv6 literals "[IPv6:::ffff:1.2.3.4]",
an empty or missing "by", unbalanced parentheses and stray semicolons.
"""

from __future__ import annotations

import re

from .dates import parse_date
from .hosts import clean_host, split_zone
from .parsed import Hop

MAX_RECEIVED = 4096  # characters of one header we look at
_KEYWORDS = ("from", "by", "via", "with", "id", "for")
_NEXT_KEYWORD = re.compile(r"\s(?:by|with|id|for|via)\s", re.IGNORECASE)
_BRACKET = re.compile(r"\[([^\[\]\s]{1,60})\]")
_IPV4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$")
_HELO_COMMENT = re.compile(r"^\s*(?:HELO|EHLO|LHLO)(?:\s+(\S*)|\s*$)", re.IGNORECASE)
# Exim: "helo=name" or, for a client greeting with an address literal, "helo=[ip]".
_HELO_EQ = re.compile(r"\bhelo=(\[[^\]\s)]*\]?|[^\s)\]]+)", re.IGNORECASE)
# Exim without a looked-up name: "from [ip] (port=N helo=x)".
_PORT_EQ = re.compile(r"\bport=(\d{1,5})\b", re.IGNORECASE)
_RFC_DATE = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*[+-]\d{4})?(?:\s*\(?[A-Za-z]{1,5}\)?)?"
)


def parse_received(value: str) -> Hop:
    text = " ".join(str(value)[:MAX_RECEIVED].split())
    body, time = _split_date(text)
    clauses = _clauses(_tokenize(body))
    hop = {"raw": text, "time": time}
    if "from" in clauses:
        hop.update(_from_clause(clauses["from"]))
    if "by" in clauses:
        words = _words(clauses["by"])
        hop["by_name"] = words[0].strip("[]").rstrip(".").lower() if words else ""
    if "with" in clauses:
        words = _words(clauses["with"])
        hop["with_protocol"] = " ".join(words[:3]) or None
    if "id" in clauses:
        words = _words(clauses["id"])
        hop["id"] = words[0].rstrip(";") if words else None
    return Hop(**hop)


def _split_date(text: str):
    """The date follows the last semicolon; some MTAs add stray ones before it."""
    head = text
    while ";" in head:
        head, _, tail = head.rpartition(";")
        time = parse_date(tail)
        if time is not None:
            return head, time
        if len(text) - len(head) > 200:
            break
    match = None
    for match in _RFC_DATE.finditer(text):  # noqa: B007 - the last date-like text wins
        pass
    if match:
        time = parse_date(match.group(0))
        if time is not None:
            return text[: match.start()], time
    time = parse_date(text) if re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text) else None
    return text.split(";", 1)[0], time


def _tokenize(text: str) -> list[tuple[str, str]]:
    """Words and parenthesised comments; an unclosed "(" ends at the next keyword."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace() or char == ")":
            i += 1
            continue
        if char == "(":
            end = _comment_end(text, i)
            if end is None:
                match = _NEXT_KEYWORD.search(text, i)
                end = match.start() if match else n
                out.append(("comment", text[i + 1 : end]))
                i = end
            else:
                out.append(("comment", text[i + 1 : end]))
                i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != "(":
            j += 1
        word = text[i:j].rstrip(")")
        if word:
            out.append(("word", word))
        i = j
    return out


def _comment_end(text: str, start: int) -> int | None:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _clauses(tokens: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    clauses: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for kind, value in tokens:
        key = value.lower()
        if kind == "word" and key in _KEYWORDS and key not in clauses:
            current = clauses.setdefault(key, [])
            continue
        if current is not None:
            current.append((kind, value))
    return clauses


def _words(tokens) -> list[str]:
    return [value for kind, value in tokens if kind == "word"]


def _from_clause(tokens: list[tuple[str, str]]) -> dict:
    words = _words(tokens)
    first = words[0] if words else ""
    helo = rdns = None
    address = zone = None
    qmail_style = False  # "from rdns (HELO x) (ip)": the first word is the looked-up name
    for kind, value in tokens:
        if kind != "comment":
            continue
        helo_match = _HELO_COMMENT.match(value)
        if helo_match:
            helo, qmail_style = (helo_match.group(1) or "").strip("?"), True
            continue
        eq = _HELO_EQ.search(value)
        if eq:
            helo, qmail_style = eq.group(1), True
            # The greeting is what the client said; an address literal in it is no
            # address the server saw.
            value = value[: eq.start()] + value[eq.end() :]
        if address is None:
            found, found_zone, name, bare = _comment_address(value)
            if found:
                address, zone, rdns = found, found_zone, name
                qmail_style = qmail_style or bare
    if address is None:
        for index, word in enumerate(words):
            address, zone = _literal(word)
            if address:
                # Exim writes "from name [ip]" only when the HELO matched the name it
                # looked up and verified; fetchmail names the server it fetched from.
                if index == 1 and word.startswith("[") and clean_host(first) and not helo:
                    rdns = rdns or first
                break
    if qmail_style and clean_host(first) and first.lower() != "unknown":
        rdns = rdns or first
    name = helo or first
    return {
        "from_name": (name or "").rstrip(".") or None,
        "from_rdns": clean_host(rdns) if rdns and rdns.lower() != "unknown" else None,
        "from_address": address,
        "from_zone": zone,
        "from_port": _from_port(tokens, address) if address else None,
    }


def _from_port(tokens: list[tuple[str, str]], address: str) -> int | None:
    port = _source_port(" ".join(value for _kind, value in tokens), address)
    if port is None:
        for kind, value in tokens:
            match = _PORT_EQ.search(value) if kind == "comment" else None
            if match and int(match.group(1)) <= 65535:
                return int(match.group(1))
    return port


_PORT_AFTER = r"(?::(\d{1,5})|\s+port[\s=]+(\d{1,5}))(?![\d.:])"
_PORT_WORD = r"\s+port[\s=]+(\d{1,5})(?![\d.:])"


# Fixed patterns, the address compared afterwards: a pattern built around each address
# was compiled anew for nearly every message (re's cache holds 512 of them).
_BRACKET_PORT = re.compile(rf"\[(?:IPv6:)?([^\]\s]+)\]{_PORT_AFTER}", re.IGNORECASE)
_BARE_V4_PORT = re.compile(rf"(?<![\w.:])(\d{{1,3}}(?:\.\d{{1,3}}){{3}}){_PORT_AFTER}", re.IGNORECASE)
_BARE_V6_PORT = re.compile(rf"(?<![\w.:])([0-9a-f:.]*:[0-9a-f:.]*){_PORT_WORD}", re.IGNORECASE)


def _source_port(text: str, address: str) -> int | None:
    """The connecting host's port written with its address: "[ip]:port" (Exim),
    "ip:port", "[IPv6:ip]:port", or "[ip] port N" / "ip port N"."""
    wanted = address.lower()
    # A bare IPv6 address cannot take ":port" without brackets; only "port N".
    for pattern in (_BRACKET_PORT, _BARE_V6_PORT if ":" in address else _BARE_V4_PORT):
        for match in pattern.finditer(text):
            # As the address was read: "[::ffff:203.0.113.130]:51400" is 203.0.113.130's port.
            if match.group(1).lower() == wanted or split_zone(match.group(1))[0] == address:
                port = int(next(g for g in match.groups()[1:] if g))
                return port if port <= 65535 else None
    return None


def _comment_address(comment: str) -> tuple[str | None, str | None, str | None, bool]:
    """(ip, zone, rdns, bare) from a comment like "rdns [ip]", "[ip]:port", "user@[ip]" or "ip"."""
    for match in _BRACKET.finditer(comment):
        ip, zone = _literal(match.group(1))
        if ip:
            before = comment[: match.start()].split()
            name = before[-1] if before else None
            if name and ("@" in name or "=" in name):
                name = None
            return ip, zone, name, False
    for word in comment.replace(",", " ").split():
        ip, zone = _literal(word.rstrip(";"))
        if not ip and "@" in word:
            # qmail writes "(remoteinfo@ip)": an ident answer, or the login with SMTP AUTH.
            ip, zone = _literal(word.rstrip(";").rsplit("@", 1)[1])
        if ip:
            return ip, zone, None, True
    return None, None, None, False


def _literal(word: str) -> tuple[str | None, str | None]:
    """(ip, zone id) of an address literal in a Received clause."""
    value = word.strip()
    bracketed_port = re.match(r"^\[([^\[\]]+)\]:\d{1,5}$", value)  # Exim's "[ip]:port"
    value = bracketed_port.group(1) if bracketed_port else value.strip("[]")
    if "@[" in word:
        value = word.rsplit("@[", 1)[1].rstrip("]")
    ip, zone = split_zone(value)
    if ip:
        return ip, zone
    port = _IPV4_PORT.match(value)
    return split_zone(port.group(1)) if port else (None, None)
