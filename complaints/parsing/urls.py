"""URLs in message bodies, and the hosts they point at."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from .hosts import idna_host

MAX_URLS = 500
MAX_SCAN = 1_000_000  # characters of one body scanned for links

_TEXT_URL = re.compile(
    # An IPv6 literal host in brackets (RFC 3986 3.2.2), then any other web URL.
    r"\b(?:https?|ftp)://(?:[^\s<>\"'`@/\[\]]{1,200}@)?\[[0-9a-f:.]{2,45}\][^\s<>\"'`{}|\\^\[\]]{0,2000}|"
    r"(?:\b(?:https?|ftp)://|\bwww\d{0,3}\.)[^\s<>\"'`{}|\\^\[\]]{1,2000}|\bmailto:[^\s<>\"'`]{1,300}",
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(
    r"\b(?:href|src|action|background)\s*=\s*(?:\"([^\"]{0,4000})\"|'([^']{0,4000})'|([^\s>]{1,4000}))",
    re.IGNORECASE,
)
# Security teams "defang" the links they report so nobody clicks them:
# hxxps://phish[.]example[.]com/login. Read back as the URL they stand for.
_DEFANGED_SCHEME = re.compile(r"\bh(?:xx|XX|\*\*|\[tt\]|tt)p(s?)(?:\[:\]|:)//", re.IGNORECASE)
_DEFANGED_SCHEME_BRACKETED = re.compile(r"\b(https?|ftp)\[:\]//|\b(https?|ftp)\[://\]", re.IGNORECASE)
_DEFANGED_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_DEFANG_MARKERS = re.compile(
    r"hxxp|h\*\*p|h\[tt\]p|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[://\]", re.IGNORECASE
)


def refang(text: str) -> str:
    if not _DEFANG_MARKERS.search(text):
        return text
    text = _DEFANGED_SCHEME.sub(lambda m: f"http{m.group(1)}://", text)
    text = _DEFANGED_SCHEME_BRACKETED.sub(lambda m: f"{m.group(1) or m.group(2)}://", text)
    return _DEFANGED_DOT.sub(".", text)


_TRAILING = ".,;:!?)]}'\"*>"
_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


class UrlCollector:
    """Collects distinct URLs in order of appearance, up to MAX_URLS."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self._seen: set[str] = set()

    @property
    def full(self) -> bool:
        return len(self.urls) >= MAX_URLS

    def add(self, candidate: str, *, depth: int = 0) -> None:
        url = _clean(candidate)
        if url and url not in self._seen and not self.full:
            self._seen.add(url)
            self.urls.append(url)
            if depth < 2:
                # A click tracker's or redirect's destination (l.php?u=https%3A%2F%2F…):
                # the site the spam advertises, behind the link it shows.
                for target in redirect_targets(url):
                    self.add(target, depth=depth + 1)

    def add_text(self, text: str) -> None:
        for match in _TEXT_URL.finditer(refang(text[:MAX_SCAN])):
            if self.full:
                return
            self.add(match.group(0))

    def add_html(self, markup: str) -> None:
        markup = markup[:MAX_SCAN]
        for match in _ATTRIBUTE.finditer(markup):
            if self.full:
                return
            value = html.unescape(next(g for g in match.groups() if g is not None))
            if value.lower().startswith(_SCHEMES) or value.lower().startswith("www."):
                self.add(value)
        self.add_text(html.unescape(re.sub(r"<[^<>]{0,2000}>", " ", markup)))

    def hosts(self) -> list[str]:
        found = {host for host in (url_host(u) for u in self.urls) if host}
        return sorted(found)


def _clean(candidate: str) -> str | None:
    url = candidate.strip().strip("<>").strip()
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    if len(url) < 8:
        return None
    if url.lower().startswith("www"):
        url = "http://" + url
    return url[:2048]


def url_host(url: str) -> str | None:
    """Lowercase punycode host of a web URL; None for mailto: and junk."""
    if url.lower().startswith("mailto:"):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        match = re.match(r"^[a-z]+://(?:[^@/]*@)?\[?([^/\]:?#]+)", url, re.IGNORECASE)
        host = match.group(1) if match else None
    if not host:
        return None
    return idna_host(host)


# Query parameters that carry where a redirector or click tracker sends the reader
# ("l.php?u=", "redirect?url=", "go.php?to="). Not those that carry where to come back
# to (return, next, continue, ref): a link naming a site there does not advertise it.
REDIRECT_PARAMETERS = frozenset(
    {"u", "url", "redirect", "redirect_url", "redirect_to", "redir", "goto", "go", "target", "dest",
     "destination", "link", "out", "to"}
)  # fmt: skip


def redirect_targets(url: str) -> list[str]:
    """Web addresses `url` redirects its reader to, carried as the value of a redirect
    parameter (Google's "/url?q=" too), decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    if not parts.query or ("http" not in parts.query.lower()):
        return []
    names = REDIRECT_PARAMETERS | ({"q"} if parts.path.rstrip("/").endswith("/url") else set())
    return [
        value
        for name, value in parse_qsl(parts.query, keep_blank_values=False)[:20]
        if name.lower() in names and value.lower().startswith(("http://", "https://"))
    ]


def html_to_text(markup: str) -> str:
    """Crude HTML to text for display and searching; not a sanitiser."""
    text = _drop_blocks(markup[:MAX_SCAN], ("script", "style"))
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", text)
    text = re.sub(r"<[^<>]{0,2000}>", " ", text)
    text = html.unescape(text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _drop_blocks(markup: str, tags: tuple[str, ...]) -> str:
    """Remove <script>/<style> blocks in linear time (a regex could backtrack badly)."""
    lower = markup.lower()
    out, pos = [], 0
    while True:
        starts = [i for i in (lower.find("<" + tag, pos) for tag in tags) if i >= 0]
        if not starts:
            out.append(markup[pos:])
            return "".join(out)
        start = min(starts)
        tag = next(t for t in tags if lower.startswith("<" + t, start))
        out.append(markup[pos:start])
        end = lower.find("</" + tag, start)
        if end < 0:
            return "".join(out)
        close = lower.find(">", end)
        pos = len(markup) if close < 0 else close + 1
