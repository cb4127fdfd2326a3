"""Where did the message enter the first trusted system? And did its sender log in?

Walk the Received hops from the newest. The top hop was written by the reporter's own
system and is trusted. Trust passes down to the next hop only while the chain is
consistent: the connecting host of the trusted hop is vouched for (internal address,
one of our own mail servers, a mailbox the user fetched from, or a host of the same
organisation as the trusted receivers) AND the next hop down was written by that host.
The first connecting host that is not vouched for is the origin; every header below
it may be forged and is never trusted.

A non-routable address (private, loopback, link-local, CGN, multicast, reserved, or a
zone-scoped IPv6 address) is never an origin: such a host was seen inside someone's own
network, so the walk goes on past it. When the chain ends there, there is no origin and
the result says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .hosts import (
    clean_host,
    is_filtering_gateway,
    is_internal_ip,
    is_under,
    non_routable_reason,
    normalise_ip,
    organisation,
)
from .parsed import Hop, TrustContext

MAX_HOPS = 100
# Retrieval from the user's own mailbox, and LMTP, which only ever delivers locally.
_RETRIEVAL = re.compile(r"^(?:IMAP4?S?|POP3?S?|fetchmail|getmail\d*|LMTPS?A?)\b", re.IGNORECASE)
_MAILBOX_FETCH = re.compile(r"^(?:IMAP4?S?|POP3?S?|fetchmail|getmail\d*)\b", re.IGNORECASE)
_AUTH_PROTOCOL = re.compile(r"^(?:E?SMTPS?A|UTF8SMTPS?A)$", re.IGNORECASE)
_PLAIN_PROTOCOL = {"SMTP", "ESMTP", "ESMTPS", "SMTPS", "UTF8SMTP", "UTF8SMTPS"}
_LOGIN_MARKERS = (
    re.compile(r"\(Authenticated sender:\s*([^\s)]+)", re.IGNORECASE),
    re.compile(r"\bsasl_username=([^\s,;)]+)", re.IGNORECASE),
    re.compile(r"SquirrelMail authenticated user\s+([^\s)]+)", re.IGNORECASE),
    re.compile(r"\bauthenticated (?:user|as)[:\s]+([^\s)]+)", re.IGNORECASE),
    re.compile(r"\(account\s+([^\s)]+)", re.IGNORECASE),
    # Courier: "(AUTH: LOGIN taro@example, TLS: …)", the SASL mechanism before the login.
    re.compile(r"\(AUTH:\s+[A-Z0-9_-]+\s+([^\s,)]+)", re.IGNORECASE),
    # OpenSMTPD with its received-auth option: "auth=yes user=taro" ("auth=no" names nobody).
    re.compile(r"\bauth=yes\s+user=([^\s;,)]+)", re.IGNORECASE),
)
# Authentication-Results "auth=pass smtp.auth=X": the client logged in as X (RFC 8601).
SMTP_AUTH_RESULT = re.compile(r"\bauth=pass\b[^;]{0,200}?\bsmtp\.(?:auth|user)=([^\s;]+)", re.IGNORECASE)
_BARE_MARKERS = (
    re.compile(r"\(authenticated bits=\d+\)", re.IGNORECASE),
    re.compile(r"\bpop[- ]?before[- ]?smtp\b", re.IGNORECASE),
)


@dataclass
class ChainResult:
    hops: list[Hop]
    origin: Hop | None
    authenticated: bool | None  # the sender logged in somewhere on its side (any hop from the origin down)
    authenticated_as: str | None  # the login the origin's own, trusted, hop names
    reason: str | None = None  # why there is no origin, for a person
    lowest: int | None = None  # with no origin: the lowest host hop the walk reached
    origin_authenticated: bool | None = None  # the origin logged in to the trusted host it connected to
    claimed_login: str | None = None  # a login only a line below the origin names: text, not a fact




def analyse_chain(
    hops: list[Hop],
    trust: TrustContext,
    auth_results: Sequence[tuple[int, str]] = (),
    checkers: Sequence[tuple[int, str]] = (),
) -> ChainResult:
    """Mark trusted hops and the origin; read authentication on the sender's side.

    Whether the sender logged in somewhere is read from the origin's hop and those
    below it (a submission server's line, as the sender's side wrote it). Which login,
    and whether the origin itself logged in, only the origin's own hop says: it was
    written by a host we trust, about the connection the origin made to it. A hop
    below was written by the origin (or by whoever composed the message) and may name
    any login ("Authenticated sender: a-customer-of-ours" is one line of text): such a
    login is kept as `claimed_login`, to be shown, never to key a case or name an account.
    `auth_results` are (k, value) for the Authentication-Results fields of the
    reported message, k the number of Received fields above each: an "auth=pass
    smtp.auth=X" counts when the origin's receiver wrote it (its authserv-id is of
    that host's organisation, and the field stands above the origin's hop).
    `checkers` are (k, host) for receiver-side fields (Received-SPF, Authentication-
    Results) that stand above hop k: a trusted host added them and named itself, so
    its domain belongs to the receiving side once the walk reaches hop k.
    """
    hops = list(hops[:MAX_HOPS])
    origin_index, reason, lowest = _find_origin(hops, trust, checkers)
    # With no origin because the chain ended inside a private network, the hops the
    # walk passed down to the lowest host were trusted all the same.
    reached = origin_index if origin_index is not None else lowest
    marked = []
    for i, hop in enumerate(hops):
        trusted = reached is not None and i <= reached
        marked.append(replace(hop, trusted=trusted, is_origin=(i == origin_index)))
    origin = marked[origin_index] if origin_index is not None else None
    # With no origin because the chain ended inside a private network, the lowest host
    # still shows how the message was submitted there.
    floor = origin_index if origin_index is not None else lowest
    origin_authenticated, login = _authentication(
        marked[floor] if floor is not None else None, floor, auth_results
    )
    authenticated, claimed = origin_authenticated, None
    for hop in marked[floor + 1 :] if floor is not None else []:
        if not hop.by_name:
            continue  # "by  (Postfix)": no MTA writes an empty by; a forged decoy
        found, name = _hop_auth(hop)
        if found:
            authenticated = True
            claimed = claimed or name
    return ChainResult(
        marked,
        origin,
        authenticated,
        login,
        reason,
        lowest,
        origin_authenticated=origin_authenticated,
        claimed_login=claimed if claimed != login else None,
    )


def _find_origin(
    hops: list[Hop], trust: TrustContext, checkers: Sequence[tuple[int, str]] = ()
) -> tuple[int | None, str | None, int | None]:
    """(origin index, None, None), or (None, why there is none, lowest host seen)."""
    org: set[str] = set()  # domains of the receivers we already trust
    expect: int | None = None  # the vouched-for host that must have written the next hop
    last_host: int | None = None
    gateway: int | None = None  # the receiver's (lowest) filtering service, vouched for by its name
    for i, hop in enumerate(hops):
        if hop.by_name is None and (hop.time is None or hop.from_name is None):
            # "(qmail 123 invoked from network)" says nothing about hosts, and a
            # "from x" without "by" or date is a truncated copy of another header.
            continue
        if expect is not None and not _written_by(hop, hops[expect]) and not _fetched(hops[expect]):
            if not _non_routable(hops[expect]):
                return expect, None, None  # a gap or a forgery: the chain ends at the last vouched host
            # Inside a private network names rarely match ("localhost", internal
            # names): the hop below is read on its own. Forged headers lie below the
            # first public host, which has not been passed yet.
        org.update(d for k, host in checkers if k <= i and (d := organisation(host)))
        earlier = set(org)
        domain = organisation(hop.by_name)
        if domain:
            org.add(domain)
        if _is_local(hop):
            continue  # injected on the same host; the next hop must come from it too
        last_host = i
        if not _vouched(hop, trust, org, earlier):
            if _from_filtering_gateway(hop, trust):
                # The receiver's MX is a filtering service: its own line, just below,
                # names the host that connected to it. Services in a row (Mimecast in
                # front of the receiver's Cisco cloud) are each confirmed by the name
                # the one above looked up.
                gateway = expect = i
                continue
            return i, None, None
        expect = i
    if gateway is not None and last_host is not None and _non_routable(hops[last_host]):
        # Below the gateway the chain ends inside someone's private network (its
        # customer's outbound relaying): the gateway's edge is as far as it is known.
        return gateway, None, None
    if last_host is not None and _non_routable(hops[last_host]):
        hop = hops[last_host]
        where = f"{hop.from_address}%{hop.from_zone}" if hop.from_zone else hop.from_address
        return None, (
            f"the Received chain ends at {where}, a {non_routable_reason(where)} address, "
            "which is never an origin"
        ), last_host
    return last_host, None, None  # trust ran to the bottom: the lowest host we saw is the origin


def _fetched(hop: Hop) -> bool:
    """The recipient's own program fetched the message from its mailbox (POP3, IMAP,
    fetchmail, getmail): the line below is the top of the message as the mailbox
    provider stored it, written by its inbound server, whose name need not be the
    mailbox server's (pop.mindspring.com above gideon.mail.atl.earthlink.net)."""
    return bool(hop.with_protocol and _MAILBOX_FETCH.match(hop.with_protocol))


def _non_routable(hop: Hop) -> bool:
    return bool(hop.from_zone) or is_internal_ip(hop.from_address)


def _is_local(hop: Hop) -> bool:
    if hop.from_address:
        return False
    name = (hop.from_name or "").lower()
    return not name or "@" in name or "." not in name or name.startswith("localhost")


def _vouched(hop: Hop, trust: TrustContext, org: set[str], earlier: set[str]) -> bool:
    ip = hop.from_address
    if ip and _non_routable(hop):
        return True
    if ip and _own_server(trust, ip):
        return True
    if hop.with_protocol and _RETRIEVAL.match(hop.with_protocol):
        return True  # fetchmail/getmail: the user pulled it from their own mailbox
    if hop.from_rdns:
        if is_under(hop.from_rdns, trust.own_domains):
            # Our customers' lines have names under our domain too: such a name says
            # the address is ours, not that it is one of our mail servers (their
            # blocks answered that above).
            return False
        return organisation(hop.from_rdns) in org
    # No looked-up name, only what the client said (HELO). A claim to be one of
    # *our* hosts is checkable against our address blocks, so it never suffices.
    # Nor does echoing the receiving server's own domain, the oldest bot trick: the
    # name must match a domain that an earlier trusted hop established.
    name = clean_host(hop.from_name)
    if not name or is_under(name, trust.own_domains):
        return False
    if not ip:
        # No address recorded at all: no Internet client is received that way. The
        # host names a relay of the receiving organisation (old internal relays).
        return organisation(name) in org
    return organisation(name) in earlier


def _from_filtering_gateway(hop: Hop, trust: TrustContext) -> bool:
    """The receiver took the message from a filtering service, by the name it looked up
    and confirmed (a HELO is the client's word), from a routable address that is none
    of ours: a host in our address space is a customer, whatever reverse name it gave
    itself.

    Exchange Online's outbound hosts are no such service: a receiver whose Microsoft 365
    relays to its own server and a sender's tenant relaying its on-premises mail write
    the same lines, so the walk stops at Microsoft's edge."""
    ip = hop.from_address
    if not ip or not looked_up(hop) or _non_routable(hop) or _own_server(trust, ip):
        return False
    if _our_address(trust, ip):
        return False
    return is_filtering_gateway(hop.from_rdns)


def looked_up(hop: Hop) -> bool:
    """The name beside the address is one the receiver looked up and confirmed: written
    "name [ip]" (Postfix, sendmail) or "from name ([ip]" (Exim), never "(may be forged)".
    Exchange's "from NAME (ip)" is the client's greeting, and qmail's "from name (HELO
    x) (ip)" a reverse name never checked forwards."""
    name, ip = hop.from_rdns, hop.from_address
    if not name or not ip or "may be forged" in hop.raw.lower():
        return False
    pattern = rf"{re.escape(name)}\.?\s*\(?\s*\[(?:IPv6:)?([^\]\s]+)\]"
    return any(normalise_ip(m.group(1)) == ip for m in re.finditer(pattern, hop.raw, re.IGNORECASE))


def _own_server(trust: TrustContext, ip: str) -> bool:
    try:
        return bool(trust.is_own_mail_server(ip))
    except Exception:
        return False


def _our_address(trust: TrustContext, ip: str) -> bool:
    try:
        return bool(trust.is_our_address(ip))
    except Exception:
        return False


def _written_by(below: Hop, host: Hop) -> bool:
    """Was the hop `below` added by the connecting host of `host`?"""
    by = (below.by_name or "").lower().rstrip(".")
    if not by:
        return False
    by_ip = normalise_ip(by)
    if by_ip:
        return by_ip == host.from_address
    if by.startswith("localhost"):
        return host.from_address is None or is_internal_ip(host.from_address)
    names = [n for n in (host.from_rdns, _plain_name(host.from_name)) if n]
    if by in names or any(by.startswith(n + ".") or n.startswith(by + ".") for n in names):
        return True  # the same name, or a short name and its FQDN
    if "." not in by:  # "mfast1", "sloti36d2t12": compare with the first label
        return any(n.split(".")[0] == by for n in names)
    domain = organisation(by)
    return bool(domain) and any(organisation(n) == domain for n in names)


def _plain_name(name: str | None) -> str | None:
    """A host name as given, single labels ("mx1") included, for matching only."""
    value = (name or "").lower().rstrip(".")
    return (
        value if re.fullmatch(r"[a-z0-9_](?:[a-z0-9_.-]{0,252})", value) and not normalise_ip(value) else None
    )


def _authentication(
    hop: Hop | None, position: int | None, auth_results: Sequence[tuple[int, str]]
) -> tuple[bool | None, str | None]:
    """(logged in?, login) of the origin's connection, from its own trusted hop."""
    if hop is None or not hop.by_name:
        return None, None  # no hop, or "by  (Postfix)": no MTA writes an empty by; a forged decoy
    authenticated, login = _hop_auth(hop)
    receiver = organisation(hop.by_name)
    for k, value in auth_results:
        authserv = value.split(";", 1)[0].strip().lower()
        match = SMTP_AUTH_RESULT.search(value)
        # Above the origin's line: added after the receiver wrote it, by the receiver.
        # Anything below it came with the message, whatever authserv-id it names.
        if match and k <= position and (organisation(authserv) or authserv) == receiver:
            authenticated, login = True, login or match.group(1)
    if authenticated:
        return True, login
    if _plain_protocol(hop.with_protocol):
        return False, None
    return None, None


def _hop_auth(hop: Hop) -> tuple[bool, str | None]:
    protocol = (hop.with_protocol or "").split()
    # The protocol word first ("ESMTPSA (TLS1.3) tls …"), or after the product's name
    # (MailEnable's "with MailEnable ESMTPA"), as _plain_protocol reads it.
    found = bool(protocol) and any(_AUTH_PROTOCOL.match(word) for word in {protocol[0], protocol[-1]})
    for pattern in (*_LOGIN_MARKERS, SMTP_AUTH_RESULT):
        match = pattern.search(hop.raw)
        if match:
            return True, match.group(1).strip("<>\"'")
    if found and hop.from_address:
        # qmail's SMTP AUTH patches put the login where ident's answer goes: "(login@ip)",
        # the address bare. Only with an authenticated protocol (ESMTPA) is it a login
        # and not the client's say-so; sendmail's "(ident@[ip])" beside its
        # "(authenticated bits=0)" is still the client's identd answering.
        match = re.search(rf"\(([^\s()\[]+)@{re.escape(hop.from_address)}\)", hop.raw, re.IGNORECASE)
        if match:
            return True, match.group(1)
    if any(p.search(hop.raw) for p in _BARE_MARKERS):
        found = True
    return found, None


def _plain_protocol(protocol: str | None) -> bool:
    words = (protocol or "").upper().split()
    if not words:
        return False
    return words[0] in _PLAIN_PROTOCOL or (len(words) > 1 and words[-1] in _PLAIN_PROTOCOL)
