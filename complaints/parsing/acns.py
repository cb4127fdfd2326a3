"""Copyright-infringement notices in the Automated Copyright Notice System's XML (ACNS).

Rights holders' agents send them to an ISP's abuse address by the thousand: prose, then
an `<Infringement xmlns="http://www.acns.net/ACNS">` document (inline, often inside a
PGP-signed text, or as an XML attachment) that states the address, port and instant of
the infringing connection. They are not spam: the notice's own links (the agent's web
site, the PGP key server) are nobody's advertised site, and the desk's spam criteria do
not apply. The report keeps what the notice states (address, port, time, notice id,
complainant) so the attribution can name who held the address then, and goes to a
person, who forwards the notice to the customer or answers it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (expat >= 2.4 refuses entity expansion bombs; no DTDs fetched)
from email.message import Message

from . import mime
from .common import finish, state_source, state_time, stated_port, wrapper_parts
from .parsed import ParsedReport, TrustContext
from .urls import UrlCollector

MAX_XML = 200_000  # characters of one notice document
_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Infringement\b")
_END = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?Infringement\s*>")
_WEB_URL = re.compile(r"^(?:https?|ftp)://[^\s/?#]+", re.IGNORECASE)
TRIAGE = "a copyright infringement notice, not spam: the spam criteria do not apply"


def read_acns(msg: Message, trust: TrustContext) -> ParsedReport | None:
    """The notice, when one of the message's own text or XML parts carries its document."""
    for part in wrapper_parts(msg):
        ctype = mime.content_type(part)
        if not (ctype.startswith("text/") or ctype in ("application/xml", "application/acns+xml")):
            continue
        root = _document(mime.part_text(part))
        if root is not None:
            return _notice(root)
    return None


def _document(text: str) -> ET.Element | None:
    start = _START.search(text)
    if start is None:
        return None
    end = _END.search(text, start.start())
    if end is None or end.end() - start.start() > MAX_XML:
        return None
    try:
        root = ET.fromstring(text[start.start() : end.end()])  # noqa: S314  (see the import)
    except (ET.ParseError, ValueError, RecursionError):
        return None
    if _local(root.tag) != "Infringement":
        return None
    # ACNS's namespace, or at least its shape: a word in some other XML is not a notice.
    return root if "acns" in root.tag.lower() or _child(root, "Source") is not None else None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: ET.Element | None, *path: str) -> str | None:
    for name in path:
        element = _child(element, name)
    text = (element.text or "").strip() if element is not None else ""
    return text[:500] or None


def _notice(root: ET.Element) -> ParsedReport:
    report = ParsedReport(format="acns")
    report.fail(TRIAGE)
    report.category = report.feedback_type = "copyright"
    report.report_id = _text(root, "Case", "ID")
    report.reporter = _text(root, "Complainant", "Email")
    source = _child(root, "Source")
    if source is None:
        report.fail("ACNS notice without a Source element")
    state_source(report, _text(source, "IP_Address"), "ACNS Source IP_Address")
    report.source_port_stated = stated_port(report, _text(source, "Port"), "ACNS Source Port")
    state_time(report, _text(source, "TimeStamp"), "ACNS Source TimeStamp")
    protocol = _text(source, "Type")
    if protocol:
        report.signal("acns_protocol", protocol)
    urls = UrlCollector()
    # Content served over the web (a file on a site) names its URL: that site may be
    # ours to host. Peer-to-peer items say "dht" or a tracker; those are no site.
    content = _child(root, "Content")
    for item in list(content) if content is not None else []:
        url = _text(item, "URL")
        if url and _WEB_URL.match(url):
            urls.add(url)
    return finish(report, urls)
