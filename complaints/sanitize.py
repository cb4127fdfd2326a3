"""Spam is hostile input: what of it may reach a browser, and how.

HTML is cleaned with nh3 (ammonia) to a small set of layout tags with no
attributes at all: no scripts, no event handlers, no styles, no images, no
links that go anywhere. The result is shown in a sandboxed iframe (no scripts,
no same origin) on a page whose Content-Security-Policy forbids loading
anything from elsewhere, so even a sanitiser bug cannot fetch or run anything.
"""

from __future__ import annotations

import nh3

SAFE_TAGS = {
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "small",
    "big",
    "pre",
    "code",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "hr",
    "a",
    "font",
    "center",
}

# For the page that shows content: nothing from outside, no plugins, no framing.
CONTENT_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; script-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
FRAME_SANDBOX = ""  # the empty sandbox: no scripts, no forms, no same origin, no navigation


def safe_html(html: str) -> str:
    return nh3.clean(html or "", tags=SAFE_TAGS, attributes={}, url_schemes=set(), strip_comments=True)
