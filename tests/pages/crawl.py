"""Walk the site as a person does: from the home page, follow every link and submit
every GET form with the values it shows, and look at what each page says.

`crawl()` returns what it visited and every problem found: a server error, a broken
link (404 from a link on our own pages), a refusal where the role should be allowed,
a raw code (a snake_case key of the project's choices) or a bare "None" in the text
a person reads.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlparse

from django.urls import Resolver404, resolve

from sanctions.labels import snake_case_codes
from tests.support.htmlforms import parse

# Not pages of the desk: the admin (its own app), the API (JSON, checked by its tests),
# logging out and switching language (POSTs), static files.
SKIP = re.compile(r"^/(?:admin/|api/(?!docs/)|logout/|i18n/|static/)")
MANAGER_ONLY = re.compile(r"^/(?:policies/|dashboard/)")
CODES = sorted(snake_case_codes(), key=len, reverse=True)
CODE_RE = re.compile(r"(?<![\w./@:-])(?:" + "|".join(map(re.escape, CODES)) + r")(?![\w.@-])")
NONE_RE = re.compile(r"(?<![\w-])None(?![\w-])")


def visible_text(content: str) -> str:
    """What a reader sees: no tags, scripts, styles or attribute values; option labels stay."""
    content = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", content, flags=re.S | re.I)
    content = re.sub(r"<[^>]+>", "\n", content)
    return html.unescape(content)


@dataclass
class Crawl:
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    routes: Counter = field(default_factory=Counter)


def _route(path: str) -> str:
    try:
        return resolve(urlparse(path).path).url_name or path
    except Resolver404:
        return "unresolved"


def crawl(
    client,
    *,
    who: str,
    manager: bool,
    language: str = "en",
    per_route: int = 6,
    limit: int = 400,
    allowed_text=(),
) -> Crawl:
    """`per_route` bounds the pages visited per URL name (every case page looks alike)."""
    result = Crawl()
    queue, queued = ["/"], {"/"}
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    while queue and len(result.seen) < limit:
        path = queue.pop(0)
        route = _route(path)
        if result.routes[route] >= per_route:
            continue
        result.routes[route] += 1
        result.seen.append(path)
        response = client.get(path, **headers)
        status = response.status_code
        where = f"{who} [{language}] GET {path}"
        if status >= 500:
            result.problems.append(f"{where}: {status}")
            continue
        if status == 403:
            if manager or not MANAGER_ONLY.match(path):
                result.problems.append(f"{where}: 403, but this role may open it")
            continue
        if status in (301, 302):
            target = urlparse(response["Location"])
            if not target.netloc:
                _enqueue(target.path + (f"?{target.query}" if target.query else ""), queue, queued)
            continue
        if status != 200:
            result.problems.append(f"{where}: {status} (a link on our pages leads here)")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        content = response.content.decode("utf-8", "replace")
        text = visible_text(content)
        for allowed in allowed_text:
            text = text.replace(allowed, "")
        leaked = sorted(set(CODE_RE.findall(text)))
        if leaked:
            result.problems.append(f"{where}: raw code(s) on the page: {', '.join(leaked)}")
        if NONE_RE.search(text):
            result.problems.append(f"{where}: a bare None on the page")
        page = parse(content)
        for href in page.links:
            _enqueue(urljoin(path, html.unescape(href)), queue, queued)
        for form in page.forms:
            if form["method"] != "get":
                continue
            action = urljoin(path, html.unescape(form["action"]) or urlparse(path).path)
            query = urlencode([(k, html.unescape(v)) for k, v in form["fields"]])
            _enqueue(f"{urlparse(action).path}?{query}" if query else urlparse(action).path, queue, queued)
    return result


def _enqueue(url: str, queue: list, queued: set) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("", "http") or parsed.netloc not in ("", "testserver"):
        return
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    if SKIP.match(parsed.path) or path in queued:
        return
    queued.add(path)
    queue.append(path)
