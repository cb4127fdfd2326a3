"""JSON that the standard parser cannot hold is bad input, not a server error.

`json.loads` raises RecursionError on deep nesting (100,000 brackets), ValueError on
an integer of more than 4,300 digits, and accepts NaN, Infinity and 1e99999 (inf),
which no field of ours means. All of these become a ParseError: 400 with the reason.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any report format we accept (XARF v4 nests 3-4 levels).
MAX_DEPTH = 64


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(_("number %(n)s… is out of range") % {"n": text[:20]})
    return value


def _no_constant(name: str):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


def _depth(value, limit: int) -> bool:
    """True when `value` nests deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _unique_keys(pairs: list) -> dict:
    """An object naming one key twice is ambiguous (parsers keep the first or the last):
    a report whose source_ip is given twice is refused, not read one way."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(_("the key %(k)s is given twice in one object") % {"k": repr(key)[:60]})
        seen[key] = value
    return seen


def json_loads(data: bytes | str):
    """Parse JSON or raise ParseError with the reason (never RecursionError or a bare ValueError)."""
    try:
        value = json.loads(
            data, parse_float=_finite, parse_constant=_no_constant, object_pairs_hook=_unique_keys
        )
    except RecursionError:
        raise ParseError(_("body is not valid JSON: nested too deep")) from None
    except UnicodeDecodeError as exc:
        raise ParseError(_("body is not valid JSON: %(e)s") % {"e": exc}) from None
    except ValueError as exc:  # JSONDecodeError, over-long integers, non-finite numbers
        raise ParseError(_("body is not valid JSON: %(e)s") % {"e": exc}) from None
    limit = getattr(settings, "ABUSEDESK_MAX_JSON_DEPTH", MAX_DEPTH)
    if _depth(value, limit):
        raise ParseError(_("body is not valid JSON: nested deeper than %(n)s levels") % {"n": limit})
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with `json_loads`'s limits."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        data = stream.read() if stream is not None else b""
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("body is not valid JSON: %(e)s") % {"e": exc}) from None
        return json_loads(text)
