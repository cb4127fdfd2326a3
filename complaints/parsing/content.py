"""Notices about content hosted at a URL: a phishing page, a malware download, a site a
spam advertises (Netcraft, PhishTank and the APWG eCrime eXchange, Google Safe
Browsing, URLhaus, JPCERT/CC, the Council of Anti-Phishing Japan, X-ARF and XARF
content reports, a person writing "the site is hosted on ...").

Such a notice gives, beside the URL, the address of the server the URL's host was on
when the reporter looked ("IP address:", "Host IP:", "Source:", "IPアドレス:"): the
site's address. Taken for the source of a mail it accused whoever holds that address
of sending it (a shared hosting server's address, a VPS, a customer's line). It is
kept as `site_address` beside the source the report states, and the attribution reads
it as the site's server: hosting, never sending (complaints.attribution.engine).

A notice is about a mail, not a site, when it carries a copy of the mail, or when its
words tie the address to a mail ("spam from 192.0.2.1", "送信元"): then the address is
an origin, as before.
"""

from __future__ import annotations

import re

from .hosts import is_routable_ip, normalise_ip
from .parsed import ParsedReport
from .urls import url_host

# Words right before an address saying it is where a site is ("hosted on", "Host IP:",
# "the actual host for shop.example is", "the site's IP address", "resolves to",
# "ホストIP", "設置先"). Not "server" or a bare "host": a scanning or flooding machine is
# one too ("an NTP server running on", a feed's "host:" column).
_SITE_BEFORE = re.compile(
    r"(?:hosted|hosting|\bhost(?:\s*ip|\s*address|\s+for)\b|resolv\w*|points?\s+to|\bsite|\bpage|\burl"
    r"|ホスト|サイト|設置|ホスティング)",
    re.IGNORECASE,
)
# Words right before an address saying mail came from it ("spam from", "sent by",
# "sender", "送信元", "発信元", "差出").
_MAIL_BEFORE = re.compile(
    r"(?:\bfrom\b|\bsender\b|\bsent\b|\bsending\b|\bspamm\w*|\bmail\w*|送信|発信|差出|メール)", re.IGNORECASE
)
# The notice speaks of a site or a link (its subject or its words).
_SITE_TOPIC = re.compile(
    r"\bhosted\b|\bhosting\b|web ?sites?|web ?pages?|\bsites?\b|\bpages?\b|\burls?\b|\buris?\b"
    r"|safe ?browsing|takedown|サイト|ページ|ホスティング|設置",
    re.IGNORECASE,
)
# The notice speaks of a mail received or sent: a complaint about a mail, whose
# address (if any) is the mail's origin.
_MAIL_TOPIC = re.compile(
    r"\bspam(?:s|med|ming|mer)?\b|\bjunk mail|unsolicited"
    r"|(?:phishing|scam|fraud\w*|suspicious|fake|malicious)\s+(?:e-?mails?|mails?|messages?)\b"
    r"|(?:e-?mails?|mails?|messages?)\s+(?:\w+\s+){0,2}?(?:from|sent by|received)\b"
    r"|\b(?:received|got|getting|get)\s+(?:(?:a|an|the|these|some|many|several)\s+)?(?:\w+\s+)?"
    r"(?:e-?mails?|mails?|messages?)\b"
    r"|迷惑メール|(?:フィッシング|詐欺|不審な?|なりすまし)メール|メールが届|メールを受信|送信元|発信元",
    re.IGNORECASE,
)
_WINDOW = 60  # characters before an address, on its own line, read for what it is


def _context(text: str, ip: str) -> str | None:
    """ "site" or "mail" by the words right before the address (the nearer kind wins),
    at its first mention that has either; None when no mention says."""
    for match in re.finditer(rf"(?<![0-9A-Za-z.:]){re.escape(ip)}(?![0-9A-Za-z]|\.\d)", text):
        before = text[max(0, match.start() - _WINDOW) : match.start()].rsplit("\n", 1)[-1]
        site = [m.end() for m in _SITE_BEFORE.finditer(before)]
        mail = [m.end() for m in _MAIL_BEFORE.finditer(before)]
        if site or mail:
            return "site" if max(site, default=-1) > max(mail, default=-1) else "mail"
    return None


def _literal_hosts(report: ParsedReport) -> set[str]:
    return {normalise_ip(host) for host in (url_host(u) for u in report.urls) if normalise_ip(host)}


def about_hosted_content(report: ParsedReport, text: str, subject: str = "") -> bool:
    """The address a person's or a program's words name (`source_ip_named`) is where the
    reported content is: the notice carries no copy of a mail, names URLs, and either
    its words call the address the site's ("hosted on", "Host IP"), or the address is a
    URL's own host, or the notice is about phishing or malware and speaks of a site and
    never of a mail."""
    ip = normalise_ip(report.source_ip_named)
    if not ip or not report.urls or report.hops or report.reported_message_raw is not None:
        return False
    said = _context(text, ip)
    if said == "mail":
        return False
    if said == "site" or ip in _literal_hosts(report):
        return True
    # A label with no such words ("IP address:", "Source:", "IPアドレス:"): the address
    # is the site's in a notice of content (a phishing page, a malware URL) that speaks
    # of a site and never of a mail.
    words = f"{subject}\n{text}"
    content = report.category in CONTENT_CATEGORIES
    return content and bool(_SITE_TOPIC.search(words)) and not _MAIL_TOPIC.search(words)


CONTENT_CATEGORIES = frozenset({"phishing", "malware", "spamvertised"})


def keep_as_site_address(report: ParsedReport, ip: str | None, where: str) -> None:
    """Record `ip` as the address of the reported content; never the origin."""
    ip = normalise_ip(ip)
    if not ip or not is_routable_ip(ip):
        return
    report.site_address = ip
    report.note(
        f"{where} is about content at a URL: the address it gives ({ip}) is the server the content "
        "was on, not where a mail came from"
    )


def content_field_source(report: ParsedReport) -> bool:
    """A machine report about content (phishing, malware, a spamvertised site) with no
    copy of a mail, whose source field is an address: the address is where the URL is."""
    if report.reported_message_raw is not None or report.hops or not report.urls:
        return False
    ip = normalise_ip(report.source_ip_stated)
    if not ip:
        return False
    kind = (report.feedback_type or "").lower().replace("-", "_")
    content = report.category == "phishing" or kind in CONTENT_TYPES
    return content or ip in _literal_hosts(report)


# Report types (X-ARF Report-Type, XARF type) of hosted content, not of something an
# address did ("malware-attack", "login-attack" are what a host did).
CONTENT_TYPES = frozenset(
    {"phishing", "malware", "malware_distribution", "spamvertised", "defacement", "fraud"}
)
