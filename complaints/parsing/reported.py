"""Facts from the reported message itself: hops, addresses, bodies, URLs."""

from __future__ import annotations

import re
from email.message import Message

from . import mime
from .dates import parse_date
from .hosts import clean_host, is_routable_ip, normalise_ip, registrable_domain
from .origin import MAX_HOPS, analyse_chain
from .parsed import Hop, ParsedReport, TrustContext
from .received import parse_received
from .urls import UrlCollector, html_to_text

MAX_BODY = 200_000  # characters kept for display
_LOGIN_HEADERS = ("X-Authenticated-Sender", "X-Authed-Username", "X-Source-Auth")
# Set by webmail and submission servers: the client the sender used. A fact, not the origin.
_CLIENT_IP_HEADERS = ("X-Originating-IP", "X-Sender-IP", "X-Client-IP")


def apply_message(report: ParsedReport, msg: Message, trust: TrustContext, urls: UrlCollector) -> None:
    """Fill the report with what the reported message (or its headers) shows."""
    received, checkers, auth_results = _original_received(report, msg)
    hops = [parse_received(v) for v in received[:MAX_HOPS]]
    if len(received) > MAX_HOPS:
        report.note(
            f"the message has {len(received)} Received lines; only the first {MAX_HOPS} were read "
            "(the origin may lie below them)"
        )
    chain = analyse_chain(hops, trust, auth_results, checkers)
    report.hops = chain.hops
    if chain.origin is not None:
        report.header_source_ip = chain.origin.from_address
        report.header_source_port = chain.origin.from_port
        _origin_signals(report, chain.origin)
    elif chain.reason:
        report.note(chain.reason)
        report.signal("walk_ended_non_routable", chain.reason)
        lowest = chain.hops[chain.lowest] if chain.lowest is not None else None
        if lowest is not None and lowest.time is not None and report.occurred_at is None:
            # Not an origin, but when the message reached the first host we could see.
            report.occurred_at, report.occurred_at_basis = lowest.time, "lowest-hop"
    if report.authenticated is None or chain.authenticated:
        report.authenticated = chain.authenticated
    if report.origin_authenticated is None or chain.origin_authenticated:
        report.origin_authenticated = chain.origin_authenticated
        report.authenticated_as = report.authenticated_as or chain.authenticated_as
    if report.origin_authenticated and not report.authenticated_as:
        # The trusted receiver says the origin logged in and names nobody: the login
        # header it (or the webmail) added says who.
        report.authenticated_as = _login_header(msg)
    if report.origin_authenticated and not report.authenticated_as:
        report.signal("auth_marker_without_login")
    if chain.claimed_login:
        # Shown beside the facts; who sent through whose server is the engine's to decide.
        report.signal("login_below_origin", chain.claimed_login)
    for name in _CLIENT_IP_HEADERS:
        ip = normalise_ip((mime.header(msg, name) or "").strip(" []"))
        if ip and is_routable_ip(ip):
            report.signal("x_originating_ip", ip)
            break
    _addresses(report, msg)
    report.web_script = web_script(msg) or report.web_script
    _bodies(report, msg, urls)


# PHP's mail() stamps "X-PHP-Script: host/path for client-ip" (older builds and
# Suhosin) or "X-PHP-Originating-Script: uid:file" (mail.add_x_header); cPanel's Exim
# adds "X-Source-Dir: domain:/public_html/..." and "X-Source-Args".
_PHP_SCRIPT = re.compile(r"^\s*([^\s/]+)(/\S*)?(?:\s+for\s+([0-9A-Fa-f:.]+))?")
# "1001:mailer.php", or PHP's name for code built at run time: "1001:post.php(3) : eval()'d code".
_ORIGINATING = re.compile(r"^\s*(\d+):(\S+(?:\s*:\s*[^:]+)?)")
_SOURCE_DIR = re.compile(r"^\s*([^\s:/]+):(/\S*)")
_VHOST = re.compile(r"^\s*(\S+)\s*$")
_SITE_STAMPS = (("X-PHP-Script", _PHP_SCRIPT), ("X-Source-Dir", _SOURCE_DIR), ("X-PPP-Vhost", _VHOST))


def web_script(msg: Message) -> dict | None:
    found: dict = {}
    match = _PHP_SCRIPT.match(mime.header(msg, "X-PHP-Script") or "")
    if match and clean_host(match.group(1)):
        found.update(site=clean_host(match.group(1)), script=match.group(2) or None)
        client = normalise_ip(match.group(3) or "")
        if client:
            found["client"] = client
    match = _ORIGINATING.match(mime.header(msg, "X-PHP-Originating-Script") or "")
    if match:
        script = match.group(2)[:255]
        # Code the entry script built at run time ("index.php(1) : eval()'d code") says
        # more about who wrote the mail than the entry script X-PHP-Script names.
        if ":" in script.partition(")")[2] or "script" not in found:
            found["script"] = script
        found["uid"] = match.group(1)
    match = _SOURCE_DIR.match(mime.header(msg, "X-Source-Dir") or "")
    if match and clean_host(match.group(1)):
        found.setdefault("site", clean_host(match.group(1)))
        found.setdefault("script", match.group(2)[:255])
    # Plesk's mail() wrapper names the virtual host whose script sent the mail.
    vhost = clean_host((mime.header(msg, "X-PPP-Vhost") or "").strip())
    if vhost:
        found.setdefault("site", vhost)
    # The server writes its stamp after whatever the script passed as extra headers: a
    # script on the same shared server can add one naming another tenant's site. Two
    # stamps naming different sites name none (which one the server wrote is unknown).
    sites = {
        clean_host(m.group(1))
        for name, pattern in _SITE_STAMPS
        for value in mime.headers(msg, name)
        if (m := pattern.match(value or "")) and clean_host(m.group(1))
    }
    if len(sites) > 1:
        found.pop("site", None)
        found["sites"] = sorted(sites)
    return {key: value for key, value in found.items() if value} or None


def _original_received(
    report: ParsedReport, msg: Message
) -> tuple[list[str], list[tuple[int, str]], list[tuple[int, str]]]:
    """Received values of the message as first delivered, the receiver-side checkers,
    and the Authentication-Results values, each with the number of Received above it.

    A redirected ("bounced", RFC 5322 3.6.6) message carries Resent-* fields above its
    original headers, and the trace of the redirect above those; Microsoft's JMRP
    re-sends the complained-about message the same way under X-HmXmr* fields. The hops
    above the last such field are the redirect's path to us, never the spam's.
    """
    try:
        items = [(str(k).lower(), str(v)) for k, v in msg.raw_items()]
    except Exception:
        return mime.raw_headers(msg, "Received"), [], []
    last = max((i for i, (k, _) in enumerate(items) if k.startswith(_REDIRECT_MARKERS)), default=None)
    if last is not None:
        report.signal("redirected_by", mime.first_address(mime.header(msg, "Resent-From")))
        items = items[last + 1 :]
    received, checkers, auth_results = [], [], []
    for key, value in items:
        if key == "received":
            received.append(mime.raw_headers_decode(msg, value))
        elif key in ("received-spf", "authentication-results", "arc-authentication-results"):
            host = _checker(key, value)
            if host:
                checkers.append((len(received), host))
            if key == "authentication-results":
                text = mime.decode_words(mime.raw_headers_decode(msg, value)).strip()
                auth_results.append((len(received), text))
    return received, checkers, auth_results


_REDIRECT_MARKERS = ("resent-", "x-hmxmroriginalrecipient")
_SPF_CHECKER = re.compile(
    r"\(\s*([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})\s*:|\breceiver=([A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)


def _checker(key: str, value: str) -> str | None:
    """The host that wrote a Received-SPF or Authentication-Results field (itself)."""
    text = " ".join(value.split())
    if key == "received-spf":
        match = _SPF_CHECKER.search(text)
        return (match.group(1) or match.group(2)) if match else None
    if key == "arc-authentication-results":
        text = text.split(";", 1)[1] if ";" in text else ""  # "i=1; authserv-id; ..."
    authserv = text.split(";", 1)[0].strip().split()
    return authserv[0] if authserv else None


def _origin_signals(report: ParsedReport, origin: Hop) -> None:
    """Shapes of the origin's greeting: recorded and shown, never evidence by themselves."""
    helo = (origin.from_name or "").strip()
    if origin.from_zone:
        return
    if not helo or helo.lower() == "unknown":
        report.signal("helo_missing")
    elif helo.startswith("[") or normalise_ip(helo):
        report.signal("helo_ip_literal", helo)
    elif "." not in helo:
        report.signal("helo_plain_hostname", helo)
    elif origin.from_rdns and registrable_domain(helo) != registrable_domain(origin.from_rdns):
        report.signal("helo_differs_from_rdns", f"{helo} / {origin.from_rdns}")
    if not origin.from_rdns and origin.from_address:
        report.signal("rdns_missing", origin.from_address)


def clean_message_id(value: str | None) -> str | None:
    """Message-ID without angle brackets or whitespace (which an ID cannot contain)."""
    if not value:
        return None
    return "".join(value.split()).strip("<>") or None


def _login_header(msg: Message) -> str | None:
    # Only a name for a login already shown by the chain: on their own these headers
    # may come from a forwarder on the receiving side.
    for name in _LOGIN_HEADERS:
        words = (mime.header(msg, name) or "").split()
        if len(words) > 1 and words[0].endswith(":") and clean_host(words[0][:-1]):
            words = words[1:]  # cPanel's Exim: "X-Authenticated-Sender: <server name>: <login>"
        if words:
            return words[0].strip("<>")
    return None


def _addresses(report: ParsedReport, msg: Message) -> None:
    report.subject = report.subject or mime.header(msg, "Subject")
    message_id = mime.header(msg, "Message-ID")
    if message_id:
        report.message_id = clean_message_id(message_id) or report.message_id
    report.header_from = mime.first_address(mime.header(msg, "From")) or report.header_from
    to = []
    for value in mime.headers(msg, "To") + mime.headers(msg, "Cc"):
        to.extend(a for a in mime.addresses(value) if a not in to)
    report.header_to = to[:100] or report.header_to
    if not report.mail_from:
        report.mail_from = mime.first_address(mime.header(msg, "Return-Path"))
    if not report.rcpt_to:
        rcpt = []
        for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
            for value in mime.headers(msg, name):
                rcpt.extend(a for a in mime.addresses(value) if a not in rcpt)
        report.rcpt_to = rcpt[:100]
    report.date = parse_date(mime.header(msg, "Date"))


def _bodies(report: ParsedReport, msg: Message, urls: UrlCollector) -> None:
    root = msg
    if mime.content_type(msg).startswith("multipart/") and not msg.is_multipart():
        root = mime.repair_boundary(msg) or msg
    if root is not msg or getattr(msg, "mended_boundary", False):
        report.note("boundary mismatch: the declared MIME boundary is not used in the body")
    texts, markups = [], []
    for part in mime.walk(root):
        ctype = mime.content_type(part)
        if ctype not in ("text/plain", "text/html") or part.is_multipart():
            continue
        text = mime.part_text(part)
        if ctype == "text/html":
            markups.append(text)
            urls.add_html(text)
        else:
            texts.append(text)
            urls.add_text(text)
    if texts:
        report.body_text = "\n\n".join(texts)[:MAX_BODY]
    elif markups:
        report.body_text = html_to_text(markups[0])[:MAX_BODY]
    if markups:
        report.body_html = markups[0][:MAX_BODY]
