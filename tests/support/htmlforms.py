"""Read a page's forms and links the way a browser would submit and follow them.

`form_data(html, index)` returns what submitting the form untouched would send:
text inputs and textareas with their values, checked boxes and radios, the
selected option of each select (the first one if none is selected).
"""

from __future__ import annotations

import html as html_lib
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": [],
                "classes": (a.get("class") or "").split(),
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form["fields"].append([name, a.get("value", default)])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": [], "multiple": "multiple" in a}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the newline right after <textarea> (Django writes one).
            self._textarea[1] = self._textarea[1].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            values = s["chosen"] or ([] if s["multiple"] or s["first"] is None else [s["first"]])
            self._form["fields"].extend([s["name"], v] for v in values)
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def parse(content: bytes | str) -> _Page:
    page = _Page()
    page.feed(content.decode("utf-8", "replace") if isinstance(content, bytes) else content)
    return page


def form_data(content, *, css_class: str = "", method: str = "post", index: int = 0) -> dict[str, list[str]]:
    """The data the `index`-th form of that method (and CSS class) would send untouched."""
    forms = [
        f
        for f in parse(content).forms
        if f["method"] == method and (not css_class or css_class in f["classes"])
    ]
    data: dict[str, list[str]] = {}
    for name, value in forms[index]["fields"]:
        data.setdefault(name, []).append(html_lib.unescape(value))
    return data


def links(content) -> list[str]:
    return [html_lib.unescape(h) for h in parse(content).links]
