"""Make the parser's output safe to store and to put in a mail header.

PostgreSQL text and jsonb cannot hold NUL, and psycopg cannot encode lone surrogates
(what undecodable header bytes become); a CR or LF in a subject breaks every mail
header it is copied into (an acknowledgement's Subject). So, once, at the end:
every string loses NUL and lone surrogates (each becomes U+FFFD, so a reader sees
that something was there), and every string but the bodies is one line.
"""

from __future__ import annotations

import dataclasses
import re

from .parsed import ParsedReport

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
# C0 and C1 controls and the Unicode line and paragraph separators: str.splitlines()
# breaks on several of them, and mail headers must not contain any.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MULTI_LINE = {"body_text", "body_html"}


def storable(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def one_line(text: str) -> str:
    return " ".join(_LINE_BREAKING.sub(" ", storable(text)).split())


def sanitise(report: ParsedReport) -> ParsedReport:
    for f in dataclasses.fields(report):
        value = getattr(report, f.name)
        clean = storable if f.name in _MULTI_LINE else one_line
        if isinstance(value, str):
            setattr(report, f.name, clean(value))
        elif isinstance(value, list):
            setattr(report, f.name, [_item(v) for v in value])
    return report


def _item(value):
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, dict):
        return {k: (one_line(v) if isinstance(v, str) else v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):  # a Hop
        changes = {
            f.name: one_line(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), str)
        }
        return dataclasses.replace(value, **changes)
    return value
