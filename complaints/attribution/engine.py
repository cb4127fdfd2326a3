"""The attribution rules of issue #4, in the order a person would apply them.

Every conclusion adds a step (why) and records (on what). The engine reads; it
never writes. Instants are compared as instants: `report.occurred_at` is UTC and
the inventory's selectors take aware datetimes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from abusedesk.choices import NetworkRole, SendingMethod
from complaints.choices import Channel, ConfirmationKind, ReportFormat
from complaints.models import Evidence, Hop, NetworkContact, Report
from complaints.parsing.common import CLOCK_SKEW
from complaints.parsing.hosts import is_routable_ip, is_under, normalise_ip, organisation, registrable_domain
from complaints.parsing.origin import looked_up
from complaints.parsing.urls import redirect_targets, url_host
from subscribers import ipkeys
from subscribers import selectors as inventory
from subscribers.choices import AccountKind, BlockKind
from subscribers.models import Account

from .compromise import _for_domain, case_confirmation, check_compromise, hop_authenticated
from .result import Attribution

LOG_WINDOW = timedelta(minutes=10)  # mail log entries this close to the spam confirm it
# POP before SMTP: a mailbox read from an address opens the relay to that address for a
# grace period, 30 minutes by default in the daemons that do it (pop-before-smtp, DRAC).
POP_BEFORE_SMTP_GRACE = timedelta(minutes=30)
ORIGIN_BASES = ("field", "walked", "stated")
MAX_PARSER_SIGNALS = 20


def attribute(report: Report, *, hops: list[Hop] | None = None) -> Attribution:
    """`hops`: the report's stored hops, when the caller has them (else they are read)."""
    result = Attribution()
    facts = report.facts or {}
    result.message_kind = facts.get("message_kind") or None
    if hops is None:
        hops = list(Hop.objects.filter(report=report).order_by("position"))
    else:
        hops = sorted(hops, key=lambda h: h.position)
    origin_hop = next((h for h in hops if h.is_origin), None)
    ip = report.source_ip
    if ip and origin_hop is not None and facts.get("source_disagreement") and origin_hop.from_address != ip:
        # The report's field names one address and its own copy of the message shows
        # another: the copy's origin line says nothing about the field's address.
        result.signal("field_disagrees_with_copy", origin_hop.from_address, "field_disagrees_with_copy",
                      ip=ip, chain=origin_hop.from_address)
        origin_hop = None
    at = report.occurred_at
    _parser_signals(result, facts)
    if ip and not hops and ip == _site_address(report):
        # A notice about content at a URL (a phishing page, a malware download): the
        # address it gives is the site's server (parsing.content), attributed with the
        # URL's host below as hosting; no mail came from it.
        result.step("site_address_not_origin", weight="signal", ip=ip)
        ip = None
    if ip:
        _origin(result, report, ip, at, origin_hop)
    if ip and at:
        _attribute_origin(result, report, ip, at, origin_hop, hops)
    elif ip:
        if late := facts.get("occurred_at_after_arrival"):
            result.step("time_after_arrival", ip=ip, at=late)
        else:
            result.step("no_time", ip=ip)
        _attribute_without_time(result, report, ip, origin_hop, hops)
    elif at and (submission := _inside_submission(hops)) is not None:
        # No public origin: the chain ends inside our own network, at a client (webmail
        # on localhost, an internal host) that logged in to our server.
        login = report.authenticated_as or hop_authenticated(submission)[1]
        _through_our_server(result, report, None, at, submission, login, _INSIDE)
    elif at and (inside := _inside_client(hops, facts)) is not None:
        # The same without a login in the line: a webmail or application server on
        # loopback or a private address handing mail to our server unauthenticated, a
        # hosted Exchange's MAPI line. The mail left through our server all the same;
        # our log's entry for the queue ID or Message-ID names the account, if any.
        result.step("chain_ends_inside_our_network", server=inside.by_name, client=inside.from_address)
        _through_our_server(result, report, None, at, inside, report.authenticated_as or None, _INSIDE)
    # Our own customer's phishing mail is theirs, whatever it links (see _hosted_for_another_customer).
    ours_sent = _has(result, NetworkRole.SENDING, NetworkRole.RELAY)
    impersonated = set() if ours_sent else _impersonated_hosts(report)
    for host in report.url_hosts or []:
        if host in impersonated:
            sender = report.header_from
            result.signal("impersonated_site", host, "impersonated_site", host=host, sender=sender)
            continue
        _attribute_host(result, host)
    if NetworkRole.HOSTING not in result.roles and (site := _site_address(report)):
        _attribute_site_address(result, report, site, at)
    _content_planted_in_site(result, report)
    if hops and _is_own_name(hops[0].by_name) and not _has(result, NetworkRole.SENDING, NetworkRole.RELAY):
        result.add_role(NetworkRole.RECEIVING)
        result.step("received_by_our_mx", host=hops[0].by_name)
        if ip and len(result.roles) == 1:
            # Rule 13: with the complainant's consent the report goes to the origin's network.
            result.abuse_contact = _abuse_contact(ip, origin_hop, [])
    if not result.roles and ip and (name := _confirmed_own_name(ip, origin_hop)):
        # In no block of ours, but the receiver confirmed a name of ours for it: a gap
        # in the address plan, never "another network's" (whose abuse@ is our own).
        result.add_role(NetworkRole.SENDING)
        result.step("reverse_name_is_ours", ip=ip, name=name)
    if not result.roles and ip and (contact := _registered_to_us(ip)):
        # The same when the registry's record for the address is ours (our own WHOIS
        # data loaded as contacts): forwarding "to the origin's network" would send the
        # complaint back to our own abuse desk.
        result.add_role(NetworkRole.SENDING)
        result.step("registry_says_ours", ip=ip, contact=contact)
    if not result.roles:
        if ip or report.url_hosts:
            result.add_role(NetworkRole.NOT_OURS)
            # A notice about a site elsewhere: the network its address is in.
            where = ip or _site_address(report)
            result.abuse_contact = _abuse_contact(where, origin_hop, [], advertised=report.url_hosts or [])
            result.step("not_ours", ip=ip, contact=(result.abuse_contact or {}).get("email"))
        else:
            result.add_role(NetworkRole.UNKNOWN)
            _why_unknown(result, report, facts)
    return result


class _Inside:
    reason = "inside"  # the client's address is none of the Internet's


_INSIDE = _Inside()


def _inside_submission(hops: list[Hop]) -> Hop | None:
    """The lowest trusted hop our own server wrote for a client that logged in."""
    for hop in reversed(hops):
        if hop.trusted and _is_own_name(hop.by_name) and hop_authenticated(hop)[0]:
            return hop
    return None


def _inside_client(hops: list[Hop], facts: dict) -> Hop | None:
    """The lowest trusted hop our own server wrote, when the walk ended there at a client
    with a loopback or private address (inside the network of the server that wrote the
    line: ours). A walk that stopped for another reason (an unreadable or untrusted line)
    says nothing of where the mail came from."""
    signals = facts.get("signals") or []
    ended_inside = any(isinstance(i, dict) and i.get("key") == "walk_ended_non_routable" for i in signals)
    if not ended_inside:
        return None
    trusted = [hop for hop in hops if hop.trusted]
    if trusted and _is_own_name(trusted[-1].by_name):
        return trusted[-1]
    return None


def _parser_signals(result: Attribution, facts: dict) -> None:
    """What the parser noticed about the message, kept beside the engine's own signals."""
    for item in (facts.get("signals") or [])[:MAX_PARSER_SIGNALS]:
        if isinstance(item, dict) and item.get("key"):
            entry = {
                "key": str(item["key"]),
                "value": "" if item.get("value") is None else str(item["value"]),
            }
            if entry not in result.signals:
                result.signals.append(entry)


def origin_basis(report: Report, origin_hop: Hop | None) -> str | None:
    """How the origin address was established: a report field, the walked chain, or words."""
    if report.format == ReportFormat.PLAIN_FORM:
        # Staff typing what a caller said is a person's statement; a partner's
        # short form over the API is a machine field like ARF's Source-IP.
        return "stated" if report.channel == Channel.WEB else "field"
    facts = report.facts or {}
    basis = facts.get("source_basis")
    if basis in ORIGIN_BASES:
        return basis
    if origin_hop is not None and origin_hop.from_address == report.source_ip:
        return "walked"
    if normalise_ip(facts.get("source_ip_stated")) == report.source_ip:
        return "field"
    return None


def _origin(result: Attribution, report: Report, ip: str, at, origin_hop: Hop | None) -> None:
    basis = origin_basis(report, origin_hop)
    result.origin = {"ip": ip, "basis": basis, "at": at.isoformat() if at else None}
    if basis == "field":
        result.step("origin_from_field", ip=ip)
        if (report.facts or {}).get("source_disagreement"):
            # Not evidence against the field's holder until a person has looked.
            result.origin["disputed"] = True
    elif basis == "walked":
        result.step("origin_walked", ip=ip, server=origin_hop.by_name if origin_hop else None)
    elif basis == "stated":
        confirmation = case_confirmation(report, ConfirmationKind.STATED_ORIGIN)
        result.origin["confirmed"] = confirmation is not None
        result.signal("origin_stated", ip, "origin_stated", ip=ip)
        if confirmation is not None:
            result.record("confirmation", confirmation.pk)
            result.step(
                "origin_stated_confirmed",
                by=confirmation.recorded_by.get_username() if confirmation.recorded_by else None,
                at=confirmation.recorded_at.isoformat(),
            )


def _why_unknown(result: Attribution, report: Report, facts: dict) -> None:
    """A report we cannot attribute still says why, in a sentence."""
    reason = (facts.get("parse_error") or "").strip()
    if report.size == 0:
        result.step("empty_report")
    elif (report.status_reason or "").startswith("processing failed"):
        result.step("processing_failed", reason=report.status_reason[:300])
    elif reason:
        result.step("unreadable_report", reason=reason[:300])
    elif facts.get("message_kind") == "complaint":
        result.step("complaint_without_material")
    else:
        result.step("nothing_to_go_on")


def _has(result: Attribution, *roles: str) -> bool:
    return any(role in result.roles for role in roles)


def _is_own_name(name: str | None) -> bool:
    return is_under(name, tuple(settings.ABUSEDESK_OWN_DOMAINS))


def is_our_mail_domain(domain: str | None) -> bool:
    """A domain whose mail our servers take: ours, or a site our hosting customer holds."""
    if not domain:
        return False
    domain = domain.lower().rstrip(".")
    return _is_own_name(domain) or inventory.hosting_account_for_host(host=domain) is not None


def _forwarded_for(report: Report, origin_hop: Hop) -> str | None:
    """The domain of ours our server took the mail for before sending it on: its line's
    "for" clause, else (a line written for several recipients has none) the delivery
    headers our delivery agent added (Delivered-To, X-Original-To)."""
    stated = _for_domain(origin_hop.raw)
    if stated:
        return stated if is_our_mail_domain(stated) else None
    for address in (report.facts or {}).get("rcpt_to") or []:
        domain = str(address).rpartition("@")[2]
        if "@" in str(address) and is_our_mail_domain(domain):
            return domain
    return None


# -- the origin address ------------------------------------------------------------


# Times a sender writes (the Date header) and a dynamic address: the holder is named
# only when one session held the address this long either side of that time.
SENDER_CLOCK_TOLERANCE = timedelta(hours=24)
# The complaint's own Date, when it names no time for the spam: the spam came before
# it, by hours or days.
SENDER_CLOCK_BASES = {"date-header", "complaint-date"}


# A time written without a zone (obsolete RFC 5322 syntax, a naive ISO stamp) is read
# as UTC but is some zone's wall clock: UTC-12 to UTC+14.
NO_ZONE_TOLERANCE = timedelta(hours=14)
# A person's round time ("14時頃", "14時", "about 2 pm"): within the hour either side.
APPROXIMATE_TOLERANCE = timedelta(hours=1)


# Two clocks are compared at a handover: the receiver's and our session log's. Each may
# be off by the skew the parser allows between two synchronised clocks (CLOCK_SKEW), so
# an instant that close to a change of hands does not tell the two holders apart.
HANDOVER_MARGIN = CLOCK_SKEW


def time_uncertainty(report) -> tuple[timedelta, str] | None:
    """How far the report's instant may be off, and the step that says why, when its
    only basis is one a dynamic address's holder cannot be named on; None when trusted."""
    facts = report.facts or {}
    if facts.get("occurred_at_basis") in SENDER_CLOCK_BASES:
        return SENDER_CLOCK_TOLERANCE, "holder_needs_a_trusted_time"
    if facts.get("occurred_at_no_zone"):
        return NO_ZONE_TOLERANCE, "holder_needs_a_zone"
    if facts.get("occurred_at_approximate"):
        return APPROXIMATE_TOLERANCE, "holder_needs_an_exact_time"
    if facts.get("occurred_at_spread"):
        return timedelta(seconds=int(facts["occurred_at_spread"])), "holder_needs_agreeing_clocks"
    return None


def _held_despite_the_uncertain_time(session, at, tolerance: timedelta) -> bool:
    """With only the sender's own clock for the instant (a Date header: wrong by hours
    on many a bot, and anyone's to write) or a time without a zone, a dynamic address's
    holder is named only when the same session held it across the whole span."""
    if session is None:
        return True
    upto = min(at + tolerance, timezone.now())
    return session.started_at <= at - tolerance and (session.stopped_at is None or session.stopped_at >= upto)


def _other_holder_near(ip, at, session) -> object | None:
    """Another account's session on the address within HANDOVER_MARGIN of `at`: the
    one that ended just before it, or the one that began just after it."""
    if _held_despite_the_uncertain_time(session, at, HANDOVER_MARGIN):
        return None  # no change of hands near the instant (the cheap test: no query)
    for instant in (at - HANDOVER_MARGIN, min(at + HANDOVER_MARGIN, timezone.now())):
        other = inventory.session_at(ip=ip, at=instant)
        if other is not None and other.account_id != session.account_id:
            return other
    return None


def _attribute_origin(result, report, ip, at, origin_hop, hops) -> None:
    hit = inventory.account_for_ip_at(ip=ip, at=at)
    uncertain = time_uncertainty(report)
    if (
        hit.reason == "dynamic_session"
        and uncertain is not None
        and not _held_despite_the_uncertain_time(hit.session, at, uncertain[0])
    ):
        result.step(uncertain[1], ip=ip, at=at.isoformat())
        hit = replace(hit, account=None, session=None, reason="sender_clock_only")
    elif hit.reason == "dynamic_session" and _other_holder_near(ip, at, hit.session) is not None:
        # Two holders within the skew of two clocks: the receiver's time and our
        # session log's may each be off by that much, so either may have sent it.
        result.step(
            "holder_at_a_handover", ip=ip, at=at.isoformat(), seconds=int(HANDOVER_MARGIN.total_seconds())
        )
        hit = replace(hit, account=None, session=None, reason="sender_clock_only")
    result.record("block", hit.block.pk if hit.block else None)
    result.record("session", hit.session.pk if hit.session else None)
    by_ours = origin_hop is not None and (
        _is_own_name(origin_hop.by_name) or _relayed_by_our_server(origin_hop, hops)
    )
    login = report.authenticated_as or None
    # Whether the origin itself logged in, as the trusted hop says (facts stored before
    # the parser told the two apart carry only "authenticated", read from any hop).
    facts = report.facts or {}
    authenticated = bool(login) or facts.get("origin_authenticated", facts.get("authenticated")) is True
    if not authenticated and by_ours and (origin_hop.with_protocol or "").upper().startswith("HTTP"):
        # Our webmail took the mail over HTTP from the origin: it sends only for a
        # signed-in user, so this is a submission through our server (method 1) whether
        # or not a hop above names the login (many hand it to a local MTA unstamped);
        # the login, or else our log's entry for the Message-ID, names the account. The
        # browser's address is never a mail server of its own.
        above = _inside_submission([h for h in hops if h.position < origin_hop.position])
        login, authenticated = (hop_authenticated(above)[1] if above is not None else None), True

    if hit.reason == "mail_servers" or (by_ours and authenticated):
        _through_our_server(result, report, ip, at, origin_hop, login, hit)
        return
    if _relayed_for_our_customer(origin_hop, hops, hit):
        # Our server took it from our own customer's address without a login (relay by
        # address, as many smarthosts allow their own networks) and handed it on: the
        # mail left through our server, not direct to the recipient's MX.
        result.step("relayed_for_our_customer", ip=ip, server=origin_hop.by_name)
        _through_our_server(result, report, ip, at, origin_hop, None, hit)
        if AccountKind.MAIL not in result.account_kinds:
            # No mail account: the customer's machine itself used our relay, as malware
            # uses the smarthost it finds configured. What it told our server (a bot's
            # greeting, a relay for strangers) shows a hijacked machine as it would
            # direct to a foreign MX.
            check_compromise(result, report=report, ip=ip, at=at, origin_hop=origin_hop, hops=hops)
            if result.compromise:
                result.sending_method = SendingMethod.HIJACKED_HOST
        return
    if hit.reason == "not_ours":
        # Our server handing the mail on (a hop above it) is relaying; our server
        # as the last stop is only receiving (decided with the hosts below).
        recipient = _forwarded_for(report, origin_hop) if by_ours else None
        if by_ours and origin_hop.position > 0 and recipient:
            # Our server took it for a mailbox of ours, or of a domain our hosting
            # customer holds, and sent it on (a .forward, an alias, a list): we
            # received it; the origin is the other network's.
            result.step("forwarded_for_our_mailbox", ip=ip, server=origin_hop.by_name, domain=recipient)
        elif by_ours and origin_hop.position > 0:
            _relay_for_outsider(result, ip, at)
        else:
            _submitted_elsewhere_by_ours(result, at, origin_hop, hops)
        return
    if hit.reason == "transit":
        _transit(result, ip, hit.block)
        return
    result.add_role(NetworkRole.SENDING)
    result.step(
        "origin_in_our_block",
        ip=ip,
        block=hit.block.prefix if hit.block else None,
        kind=hit.block.kind if hit.block else None,
        at=at.isoformat(),
    )
    if hit.reason == "sub_allocation":
        _sub_allocated(result, hit.block)
        return
    if hit.reason == "shared":
        if not _shared_origin(result, report, hit.block, ip, at):
            return  # nobody can be named: no account, no sending method of one
    elif hit.reason == "no_session":
        result.step("no_session_at_time", ip=ip, at=at.isoformat())
    elif hit.reason == "nested_sessions":
        result.step("nested_sessions", ip=ip, at=at.isoformat())
    elif hit.reason == "holder_changed":
        _holder_changed(result, ip, hit.block)
    elif hit.reason == "sender_clock_only":
        pass  # said above: the address is ours, its holder at a time only the sender wrote is not
    elif hit.account is not None:
        result.add_account(hit.account)
        result.step(
            hit.reason, ip=ip, account=hit.account.account_id, session=hit.session.pk if hit.session else None
        )
    if hit.block is not None and hit.block.kind == BlockKind.HOSTING:
        _web_script(result, report)
    result.sending_method = _sending_method(result, report, ip, at, origin_hop, hops)


def _holder_of(block) -> dict:
    holder = block.sub_allocated_to
    return {
        "subscriber_id": holder.subscriber_id,
        "name": holder.name,
        "abuse_contact": block.abuse_contact or holder.email,
    }


def _holder_changed(result, ip, block) -> bool:
    """The block passed to its present account or holder after the instant it was read
    for (the spam's): who held it then is not recorded, so nobody is named. Says so."""
    if not block.holder_changed_after_read:
        return False
    holder = block.account or block.sub_allocated_to
    result.step(
        "block_holder_changed_after_spam",
        ip=ip,
        block=block.prefix,
        holder=getattr(holder, "account_id", None) or getattr(holder, "subscriber_id", None),
        at=block.holder_since.isoformat(),
    )
    return True


def _transit(result, ip, block) -> None:
    result.add_role(NetworkRole.UPSTREAM)
    if _holder_changed(result, ip, block):
        return
    result.sub_allocation = _holder_of(block)
    result.step(
        "transit_customer",
        ip=ip,
        block=block.prefix,
        holder=result.sub_allocation["subscriber_id"],
        contact=result.sub_allocation["abuse_contact"],
    )


def _sub_allocated(result, block) -> None:
    if _holder_changed(result, None, block):
        return
    result.sub_allocation = _holder_of(block)
    result.step(
        "sub_allocated",
        holder=result.sub_allocation["subscriber_id"],
        contact=result.sub_allocation["abuse_contact"],
    )


# Blocks whose account the address plan names whatever the time.
_TIMELESS_ACCOUNT = {BlockKind.STATIC: "static_block", BlockKind.HOSTING: "hosting_block"}


def _attribute_without_time(result, report, ip, origin_hop, hops) -> None:
    """No time for the spam: the session and mail logs cannot be read, but the address
    plan does not depend on one. An address of ours stays ours (never "another
    network's", to forward): a static line's or a hosting account is named, a
    sub-allocation or a transit customer's holder is told, and a pool or shared
    address's holder cannot be (nobody is named)."""
    block = inventory.block_for(ip=ip)
    if block is None:
        return
    # The spam came before the report did: a holder that took over after that is not its.
    block.read_at = report.received_at
    result.record("block", block.pk)
    if block.kind == BlockKind.TRANSIT:
        _transit(result, ip, block)
        return
    result.add_role(NetworkRole.SENDING)
    result.step("origin_in_our_block", ip=ip, block=block.prefix, kind=block.kind)
    if block.kind == BlockKind.SUB_ALLOCATION:
        _sub_allocated(result, block)
        return
    account = block.account if block.kind in _TIMELESS_ACCOUNT else None
    if account is None or _holder_changed(result, ip, block):
        return
    account.read_at = report.received_at
    result.add_account(account)
    result.step(_TIMELESS_ACCOUNT[block.kind], ip=ip, account=account.account_id)
    if block.kind == BlockKind.HOSTING:
        _web_script(result, report)
    result.sending_method = _sending_method(result, report, ip, None, origin_hop, hops)


# The folders a web application writes uploaded, cached and temporary files to, and
# keeps its pictures and media in: a script, a page or a program there was put there
# (an upload form's, an attacker's), not written to be served by the site's owner.
_SITE_FILE_FOLDERS = r"uploads?|cache|tmp|temp|images?|media|files"
# A PHP file in one of them: the classic web shell of a compromised CMS.
# A hidden file, or a script in a hidden folder (/.well-known/pki-validation/, a
# /wp-includes/.cache/ of its own): no site's owner writes its mail scripts there.
_PLANTED = re.compile(rf"/(?:{_SITE_FILE_FOLDERS})/|/\.[^/]+$|/\.(?!\.?/)[^/]+/", re.IGNORECASE)


# PHP's names for code a script built at run time ("post.php(3) : eval()'d code"): a
# site's own scripts do not mail from eval'd strings; injected (obfuscated) code does.
_INJECTED = re.compile(r"eval\(\)'d code|runtime-created function|assert code|regexp code", re.IGNORECASE)


def _web_script(result, report) -> bool:
    """Mail a web script handed to a hosting server (PHP's and cPanel's stamps, see
    parsing.reported.web_script): the site's hosting account is named; a script planted
    in an upload or cache directory is evidence the site was compromised (rule 7)."""
    script = (report.facts or {}).get("web_script") or {}
    site, path = script.get("site"), script.get("script")
    if script.get("sites"):
        # Stamps naming different sites: one was written by a script, not the server.
        result.step("web_script_sites_disagree", weight="signal", sites=", ".join(script["sites"]))
        return False
    if not (site or path):
        return False
    account = inventory.hosting_account_for_host(host=site) if site else None
    if account is not None:
        result.add_account(account)
    params = {"site": site, "script": path, "account": account.account_id if account else None}
    result.step("sent_by_web_script", weight="signal", **{k: v for k, v in params.items() if v})
    # PHP's X-PHP-Originating-Script names the script's file without its folder
    # ("33:.sys.php"): read as a path, a hidden file name is hidden all the same.
    if path and _PLANTED.search(path if path.startswith("/") else f"/{path}"):
        result.compromised("compromised_site", f"{site or ''}{path}", "script_planted_in_site", script=path)
    elif path and _INJECTED.search(path):
        result.compromised("compromised_site", f"{site or ''}{path}", "script_ran_injected_code", script=path)
    return account is not None


def _login_of_the_scripts_site(login: str, report) -> bool:
    """The login is a mailbox at the site the web-script stamps name (info@bakery.example
    for www.bakery.example): the two agree on whose mail it was."""
    site = ((report.facts or {}).get("web_script") or {}).get("site")
    domain = login.rpartition("@")[2] if "@" in login else None
    return bool(site and domain) and registrable_domain(domain) == registrable_domain(site)


def _name_embeds_address(name: str, ip: str | None) -> bool:
    """A generic reverse name spelling out its own IPv4 address, forwards or reversed."""
    octets = (ip or "").split(".")
    if len(octets) != 4:
        return False
    for order in (octets, octets[::-1]):
        if re.search(r"(?<!\d)0*" + r"[-._]0*".join(order) + r"(?!\d)", name):
            return True
    return False


def _line_below(origin_hop, hops, rdns: str):
    """The line the origin server wrote just below its own: past its lines with no
    "from" ("by mail-….google.com with SMTP id …", Gmail's hand-over from its
    submission host to its outbound host), which name the same organisation."""
    for hop in sorted((h for h in hops if h.position > origin_hop.position), key=lambda h: h.position):
        if hop.from_address or hop.from_name:
            return hop
        if not (organisation(hop.by_name) and organisation(hop.by_name) == organisation(rdns)):
            return hop
    return None


def _submitted_elsewhere_by_ours(result, at, origin_hop, hops) -> None:
    """Method 4 seen from the connecting side: our customer submitted to another
    ISP's server after authenticating (SMTP AUTH with or without a login named,
    POP before SMTP), and that server's own header says so.

    The origin is the other ISP's server; the hop it added just below is read only
    when it is consistent (added by that server, authenticated, from our address).
    """
    # The hop below was written by the other server itself: only a server the receiver
    # could name (its looked-up name) is one whose own line is worth reading; anyone
    # can write a line blaming our customer ("joe job"). Its login, if it names one, is
    # the other provider's account, never one of ours (the parser reads logins from
    # trusted hops only, so it is read here).
    rdns = (origin_hop.from_rdns or "").lower().rstrip(".") if origin_hop is not None else ""
    if not rdns or rdns == "unknown":
        return
    if _name_embeds_address(rdns, origin_hop.from_address):
        # "ec2-45-33-12-34.compute-1.amazonaws.com": a rented or dynamic machine, not a
        # provider's mail server; whoever rents it writes any line below it.
        return
    below = _line_below(origin_hop, hops, rdns)
    if below is None or not below.from_address:
        return
    # The line must be that server's own: its name as the receiver looked it up, or
    # the name it gave (HELO) when that is of the same organisation. A HELO is the
    # client's word: a foreign host calling itself one of our servers, above a line
    # "by" that name, is a forgery of our servers' lines (a joe job), never a lead.
    by = (below.by_name or "").lower().rstrip(".")
    helo = (origin_hop.from_name or "").lower().rstrip(".")
    # A provider's submission and outbound hosts differ in name ("submit." and "out01.",
    # smtp.gmail.com and mail-*.google.com) but not in organisation; whoever runs the
    # origin wrote every line below it either way, so the organisation is the test.
    if by != rdns and not (by == helo and registrable_domain(helo) == registrable_domain(rdns)):
        if not (organisation(by) and organisation(by) == organisation(rdns)):
            return
    if is_under(by, tuple(settings.ABUSEDESK_OWN_DOMAINS)):
        return  # our own server's line, but the connection was not from one of ours
    authenticated, login = hop_authenticated(below)
    if not authenticated and not _webmail_line(below):
        return
    instant = below.time or at
    client = inventory.account_for_ip_at(ip=below.from_address, at=instant)
    if client.reason == "not_ours":
        return
    if client.reason == "dynamic_session" and _other_holder_near(below.from_address, instant, client.session):
        result.step(
            "holder_at_a_handover",
            ip=below.from_address,
            at=instant.isoformat(),
            seconds=int(HANDOVER_MARGIN.total_seconds()),
        )
        client = replace(client, account=None, session=None, reason="sender_clock_only")
    result.add_role(NetworkRole.SENDING)
    result.sending_method = SendingMethod.OTHER_ISP_SERVER
    result.record("block", client.block.pk if client.block else None)
    result.record("session", client.session.pk if client.session else None)
    result.relaying_network = {
        "host": below.by_name,
        "address": origin_hop.from_address,
        "login": login,
        "client_from_its_line": True,  # our customer's address is only in that server's own line
    }
    # Rule 9 forwards to the relaying provider, who can name the mail account.
    result.abuse_contact = _abuse_contact(origin_hop.from_address, origin_hop, [below.by_name])
    result.step("submitted_to_other_isp", client=below.from_address, relay=below.by_name, login=login)
    if client.account is not None:
        result.add_account(client.account)
        result.step(client.reason, ip=below.from_address, account=client.account.account_id)


_VIA_HTTP = re.compile(r"\b(?:via|with)\s+HTTPS?\b", re.IGNORECASE)


def _webmail_line(hop) -> bool:
    """A provider's webmail took the message from a browser ("from [ip] by web12.mail.…
    via HTTP"): it sends only for a signed-in user, as a login would show."""
    return bool(_VIA_HTTP.search(hop.raw or "")) or (hop.with_protocol or "").upper().startswith("HTTP")


def source_port(report: Report) -> int | None:
    port = (report.facts or {}).get("source_port")
    return port if _a_port(port) else None


def _a_port(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535


def port_of_one_holder(report: Report, block, ip: str, at) -> int | None:
    """The ports a report gives for a shared address disagree (the parser used none), but
    each names the same subscriber (one port block, or two of the same holder's): the
    first, which names its holder as either would. None otherwise."""
    facts = report.facts or {}
    signals = facts.get("signals") or []
    if not any(isinstance(s, dict) and s.get("key") == "source_port_disputed" for s in signals):
        return None
    given = {facts.get(k) for k in ("source_port_stated", "header_source_port", "source_port_named")}
    ports = sorted(p for p in given if _a_port(p))
    if len(ports) < 2 or at is None:
        return None
    found = [inventory.shared_address_at(block=block, ip=ip, port=p, at=at) for p in ports]
    holders = {f.account.pk for f in found if f.identified}
    return ports[0] if len(holders) == 1 and all(f.identified for f in found) else None


def _shared_origin(result: Attribution, report: Report, block, ip: str, at) -> bool:
    """A shared IPv4 origin: the source port names one subscriber, or nobody is named.

    Through an imported NAT port-block row, or the block's MAP-E rule (RFC 7597) to the
    subscriber's IPv6 prefix and the session log's holder of it. True when identified.
    """
    port = source_port(report)
    if port is None and (port := port_of_one_holder(report, block, ip, at)) is not None:
        result.step("ports_in_one_allocation", ip=ip, port=port)
    found = inventory.shared_address_at(block=block, ip=ip, port=port, at=at)
    how = found.how
    result.shared_ipv4 = {
        "address": found.address,
        "port": port,
        "identified": found.identified,
        "account": found.account.account_id if found.account else None,
        "how": how,
    }
    if found.nat_block is not None:
        result.record("nat_port_block", found.nat_block.pk)
    if found.session is not None:
        result.record("session", found.session.pk)
    uncertain = time_uncertainty(report)
    held = found.held  # when the records that name the holder (port block, sessions) all held
    if (
        found.identified
        and uncertain is not None
        and not _held_despite_the_uncertain_time(held, at, uncertain[0])
    ):
        # The port's holder, as a dynamic address's, is named only on a time the desk
        # can trust, or when one allocation held the port across the whole span.
        result.step(uncertain[1], ip=found.address, at=at.isoformat())
        result.shared_ipv4.update(identified=False, account=None)
        return False
    if found.identified and not _held_despite_the_uncertain_time(held, at, HANDOVER_MARGIN):
        # A record it rests on began or ended within the skew of two clocks (the
        # receiver's, our NAT log's or session log's): as on a dynamic address
        # (_other_holder_near), another holder then means either may have sent it.
        edges = (at - HANDOVER_MARGIN, min(at + HANDOVER_MARGIN, timezone.now()))
        near = [inventory.shared_address_at(block=block, ip=ip, port=port, at=edge) for edge in edges]
        other = found.account.pk
        if any(n.reason == "nested_sessions" or (n.identified and n.account.pk != other) for n in near):
            seconds = int(HANDOVER_MARGIN.total_seconds())
            result.step(
                "shared_at_a_handover", ip=found.address, port=port, at=at.isoformat(), seconds=seconds
            )
            result.shared_ipv4.update(identified=False, account=None)
            return False
    if found.identified:
        result.add_account(found.account)
        block_row = found.nat_block
        if how == "natlog_inside":
            # The CGN kept the block of an inside address that passed to another
            # subscriber: the address's holder at the spam's time used it.
            result.step(
                "shared_natlog_inside_holder",
                ip=found.address,
                port=port,
                ports=f"{block_row.port_start}-{block_row.port_end}",
                inside=found.inside_address,
                allocated=found.allocated_to.account_id,
                account=found.account.account_id,
                session=found.session.pk,
            )
        elif how == "natlog":
            result.step(
                "shared_natlog",
                ip=found.address,
                port=port,
                account=found.account.account_id,
                ports=f"{block_row.port_start}-{block_row.port_end}",
                record=block_row.pk,
            )
        else:
            result.shared_ipv4.update(ipv6_prefix=found.ipv6_prefix, psid=found.psid)
            result.step(
                "shared_map_e",
                ip=found.address,
                port=port,
                psid=found.psid,
                prefix=found.ipv6_prefix,
                account=found.account.account_id,
                session=found.session.pk,
            )
        return True
    if found.reason == "no_port":
        result.step("shared_no_port", ip=found.address, block=block.prefix)
    else:
        if found.ipv6_prefix:
            result.shared_ipv4.update(ipv6_prefix=found.ipv6_prefix, psid=found.psid)
        ports = f"{found.nat_block.port_start}-{found.nat_block.port_end}" if found.nat_block else None
        allocated = found.allocated_to.account_id if found.allocated_to else None
        result.step(
            f"shared_{found.reason}",
            ip=found.address,
            port=port,
            prefix=found.ipv6_prefix,
            ports=ports,
            inside=found.inside_address,
            allocated=allocated,
        )
    return False


def _relayed_for_our_customer(origin_hop: Hop | None, hops: list[Hop], hit) -> bool:
    """Our own server wrote the origin's line, about a connection from one of our
    customers, and handed the mail on to the next receiver (a hop above): not for a
    mailbox of ours (that is our MX receiving, and perhaps forwarding)."""
    if origin_hop is None or origin_hop.position == 0 or hit.account is None:
        return False
    if hit.reason not in ("dynamic_session", "static_block") or not _is_own_name(origin_hop.by_name):
        return False
    if (origin_hop.with_protocol or "").upper().startswith("HTTP"):
        return False
    return not _is_own_name(_for_domain(origin_hop.raw))


def _relayed_by_our_server(origin_hop: Hop, hops: list[Hop]) -> bool:
    """The hop above the origin came from one of our mail servers' addresses."""
    above = next((h for h in hops if h.position == origin_hop.position - 1), None)
    return bool(above and above.from_address and inventory.is_own_mail_server(above.from_address))


# Reports about something other than mail: a machine's infection, a login attack, a
# scan or a flood (XARF's connection/vulnerability types map to "other"). With no
# message behind them there is no sending method: the spam rules do not apply.
NON_MAIL_CATEGORIES = {"malware", "login-attack", "other"}


def _incident_not_mail(report, hops) -> str | None:
    category = (report.category or "").lower()
    return category if category in NON_MAIL_CATEGORIES and not hops else None


def _machine_says_malware(report) -> bool:
    facts = report.facts or {}
    return (report.category or "").lower() == "malware" and facts.get("message_kind") == "machine_report"


def _sending_method(result, report, ip, at, origin_hop, hops) -> str | None:
    incident = _incident_not_mail(report, hops)
    if incident == "malware":
        # A reporter saw malware act from the address (a sinkhole's drone, a botnet
        # feed): the machine is not under its holder's control, as a listing as
        # exploited says (rule 5: the customer is a victim, told how to clean it).
        result.compromised("reported_infected", ip, "reported_as_infected", ip=ip)
        return SendingMethod.HIJACKED_HOST
    if incident:
        result.step("not_mail_abuse", ip=ip, category=incident)
        return None
    if origin_hop is not None and not _is_own_name(origin_hop.by_name):
        # The receiving side's own record says our customer logged in there: the
        # server that took the mail is another provider's submission server.
        logged_in, login = hop_authenticated(origin_hop)
        if logged_in:
            login = login or report.authenticated_as or None
            result.relaying_network = {"host": origin_hop.by_name, "login": login}
            result.abuse_contact = _abuse_contact(None, None, [origin_hop.by_name])
            result.step("left_through_other_isp", relay=origin_hop.by_name, login=login)
            return SendingMethod.OTHER_ISP_SERVER
    if _machine_says_malware(report):
        # A receiver's filter found malware in the reported message (an ARF "virus"
        # report) and it went from the address straight to a receiver: a mass-mailing
        # worm on the holder's machine, not the holder's own campaign (rule 5: a
        # victim, told how to clean it). A person's word "virus" is not that finding.
        result.compromised("reported_infected", ip, "sent_malware", ip=ip)
        return SendingMethod.HIJACKED_HOST
    check_compromise(result, report=report, ip=ip, at=at, origin_hop=origin_hop, hops=hops)
    if result.compromise:
        return SendingMethod.HIJACKED_HOST
    if origin_hop is None:
        result.step("self_operated_by_default")
    else:
        result.step("direct_to_foreign_mx")
    return SendingMethod.SELF_OPERATED_SERVER


# -- our own mail servers -------------------------------------------------------------


def _through_our_server(result, report, ip, at, origin_hop, login, hit) -> None:
    """Method 1: submitted through our server with a customer's mail account."""
    # When the origin is our server itself, the client is not in a trusted hop:
    # the mail log finds it by login or Message-ID.
    client_ip = ip if hit.reason != "mail_servers" else None
    # The queue ID our own server wrote in its line joins that line to its log entry.
    queue_id = origin_hop.hop_id if origin_hop is not None and _is_own_name(origin_hop.by_name) else None
    via_web = origin_hop is not None and (origin_hop.with_protocol or "").upper().startswith("HTTP")
    entries, by_login = _submissions(login, client_ip, report.message_id, at, queue_id, via_web=via_web)
    if login and queue_id and entries:
        # Our own server's line and its queue ID name the log entry, our server's own
        # record of that very submission. A login written otherwise gives way to it: a
        # header we could not resolve (a panel's own format, a display name), or one
        # naming another of our accounts (a header the client wrote itself, which no
        # line of our server's vouches for).
        logged = {e.login for e in entries if e.login}
        if logged and not any(_same_login(login, name) for name in logged):
            only = next(iter(logged)) if len(logged) == 1 else None
            if only and _mail_account(only) is not None:
                written_resolves = _mail_account(login) is not None
                code = "maillog_names_another_login" if written_resolves else "login_from_maillog"
                result.step(code, written=login, login=only)
                login = only
            else:
                entries = []  # the log names other logins: it confirms nothing of this one
    if not login and entries:
        logins = {e.login.lower() for e in entries if e.login}
        if len(logins) > 1:
            # A shared address (CGN, a webmail or proxy host) with several logins in the
            # window, and nothing in the message that picks one: name none of them.
            result.step("maillog_ambiguous", client=client_ip, logins=len(logins))
            entries = []
        else:
            login = entries[0].login
    result.add_role(NetworkRole.SENDING)
    result.sending_method = SendingMethod.CONTRACTED_ISP_SERVER
    result.step("via_our_mail_server", login=login, server=origin_hop.by_name if origin_hop else None)
    account = _mail_account(login)
    if account is not None:
        account.read_at = at  # its subscriber at the spam's time (result.add_account)
        result.add_account(account)
        result.step("mail_account", login=login, account=account.account_id)
    elif login:
        result.step("login_not_in_inventory", login=login)
        if _login_of_the_scripts_site(login, report) and _web_script(result, report) and result.compromise:
            # A hosting server relaying with its site's own mailbox login (cPanel's
            # "info@site"), a script's stamps naming that site: the site is named.
            result.sending_method = SendingMethod.HIJACKED_HOST
    elif _web_script(result, report):
        # No login: a hosting server handed the mail to our relay for a web script.
        result.sending_method = SendingMethod.HIJACKED_HOST if result.compromise else result.sending_method
    if entries:
        for entry in entries:
            result.record("maillog", entry.pk)
        result.step(
            "maillog_confirms",
            entries=len(entries),
            queue_id=entries[0].queue_id,
            client=entries[0].client_ip,
            at=entries[0].at.isoformat(),
        )
    elif not any(step["code"] == "maillog_ambiguous" for step in result.steps):
        result.step("maillog_no_match", login=login)
    client_ip = client_ip or (entries[0].client_ip if entries else None)
    client = None
    if client_ip:
        client = inventory.account_for_ip_at(ip=client_ip, at=at)
        if client.account is not None and client.account.kind == AccountKind.CONNECTION:
            result.record("session", client.session.pk if client.session else None)
            if account is not None and account.subscriber_changed_after_read:
                pass  # whose the mail account was then is not recorded: nor whether the line was theirs
            elif account is not None and client.account.subscriber_id != account.subscriber_id:
                # The mail account's holder sent it from another customer's line (an
                # office, a shared flat, a stolen password used there): the line's
                # holder is not the sender, and is told to staff, not named.
                result.signal(
                    "client_line_of_another_customer", client_ip, "client_line_of_another_customer",
                    ip=client_ip, line=client.account.account_id,
                )  # fmt: skip
            else:
                result.add_account(client.account)
                result.step("client_connection", ip=client_ip, account=client.account.account_id)
    # The login's submissions from every address in the window, not only the one seen.
    addresses = _login_used_from(login, by_login, at)
    if len(addresses) >= STOLEN_AT_ADDRESSES:
        count = len(addresses)
        result.compromised("stolen_credentials", count, "many_client_addresses", addresses=count)
    elif login and client_ip and client is not None and client.reason == "not_ours" and is_routable_ip(
        client_ip
    ):
        # From outside our networks, and from a network the login had not used in the
        # month before this run of mail began (our mail log shows where it is used): a
        # phished password used from abroad looks so (POLICY's "logins from unusual
        # countries"; the desk has no geolocation), and so do a trip and a phone on
        # another carrier. A signal, not evidence: the holder is not called intentional
        # until a person has checked. No history to compare with says nothing, and nor
        # does a loopback or private client (our webmail, an application server).
        seen = inventory.login_network_seen(
            logins=_login_forms(login), client_ip=client_ip, since=at - NETWORK_HISTORY, until=at,
            recent=RECENT_USE,
        )
        if seen is False:
            result.signal("login_from_new_network", client_ip, "login_from_new_network", ip=client_ip)


QUEUE_ID_WINDOW = timedelta(days=1)  # a queue ID is unique on its host for far longer


def _submissions(login, client_ip, message_id, at, queue_id=None, *, via_web=False) -> tuple[list, list]:
    """(the submissions that match best, all the login's submissions in the window)."""
    if queue_id:
        exact = list(inventory.mail_submissions(queue_id=queue_id, around=at, window=QUEUE_ID_WINDOW)[:5])
        if login:
            exact = [e for e in exact if _same_login(login, e.login)] or exact
        if exact:
            by_login = []
            if login:
                by_login = list(
                    inventory.mail_submissions(login=exact[0].login, around=at, window=LOG_WINDOW)[:50]
                )
            return exact, by_login
    if not (login or client_ip or message_id):
        return [], []
    found: list = []
    for name in _login_forms(login) or [None]:
        entries = inventory.mail_submissions(
            login=name,
            client_ip=None if name else client_ip,
            message_id=None if (name or client_ip) else message_id,
            around=at,
            window=LOG_WINDOW,
        )
        found = list(entries[:50])
        if found:
            break
    if not found and message_id and client_ip and not login and via_web:
        # The client seen is a browser (our webmail's HTTP line), which our SMTP log
        # never saw: the Message-ID our server logged for the webmail's submission finds
        # it. Never for an SMTP client: anyone can copy a Message-ID into their spam.
        found = list(inventory.mail_submissions(message_id=message_id, around=at, window=LOG_WINDOW)[:50])
    by_login = found if login else []
    if message_id:
        exact = [e for e in found if e.message_id == message_id.strip().strip("<>")]
        found = exact or found
    if login and client_ip:
        exact = [e for e in found if e.client_key == ipkeys.ip_key(client_ip)]
        found = exact or found
    return found, by_login


def _same_login(a: str, b: str) -> bool:
    return bool({f.lower() for f in _login_forms(a)} & {f.lower() for f in _login_forms(b)})


def _login_forms(login: str | None) -> list[str]:
    """A login as written, then, for an address at one of our domains, its local part:
    servers log and header lines name the same mailbox as "taro" or "taro@our.domain"."""
    if not login:
        return []
    forms = [login]
    local, at, domain = login.rpartition("@")
    if at and local and is_under(domain, tuple(settings.ABUSEDESK_OWN_DOMAINS)):
        forms.append(local)
    return forms


# One login used from this many public addresses within minutes: credentials in a botnet.
STOLEN_AT_ADDRESSES = 5
# How far back our mail log is read for the networks a login is used from; use from the
# network in the last week is the current run (a thief's daily batches), not history.
NETWORK_HISTORY = timedelta(days=30)
RECENT_USE = timedelta(days=7)


def _login_used_from(login, by_login, at) -> set[str]:
    """The public addresses the login submitted from, or logged in from (IMAP, POP, our
    webmail's sign-in), around the spam. Through webmail every submission comes from the
    webmail host itself (localhost, our own server): the sign-ins show the botnet."""
    seen = {str(e.client_ip) for e in by_login if e.client_ip}
    if login and at is not None:
        forms = _login_forms(login)
        seen.update(inventory.login_client_addresses(logins=forms, around=at, window=LOG_WINDOW))
    return {ip for ip in seen if is_routable_ip(ip) and not inventory.is_own_mail_server(ip)}


def _mail_account(login: str | None) -> Account | None:
    for name in _login_forms(login):
        mail = Account.objects.select_related("subscriber").filter(kind=AccountKind.MAIL)
        account = mail.filter(identifier__iexact=name).first()
        if account is not None:
            return account
    return None


def _relay_for_outsider(result, ip, at) -> None:
    """Our server took mail from an outside address without a login: POP-before-SMTP?"""
    logins = list(inventory.mail_logins(client_ip=ip, before=at, window=POP_BEFORE_SMTP_GRACE)[:5])
    result.add_role(NetworkRole.RELAY)
    if not logins:
        result.step("relay_without_login", ip=ip)
        return
    distinct = {e.login.lower() for e in logins if e.login}
    if len(distinct) > 1:
        # POP before SMTP lets the address relay, not a mailbox: with two mailboxes
        # read from it (an office behind one NAT), either owner could have sent.
        for e in logins:
            result.record("maillog", e.pk)
        result.sending_method = SendingMethod.OTHER_ISP_SERVER
        result.step("pop_before_smtp_ambiguous", ip=ip, logins=len(distinct))
        return
    entry = logins[0]
    result.record("maillog", entry.pk)
    result.sending_method = SendingMethod.OTHER_ISP_SERVER
    result.step("pop_before_smtp", ip=ip, login=entry.login, at=entry.at.isoformat(), service=entry.service)
    account = _mail_account(entry.login)
    if account is not None:
        account.read_at = entry.at  # its subscriber at the login's time (result.add_account)
        result.add_account(account)


# -- advertised hosts ------------------------------------------------------------------


def _hosted_for_another_customer(result: Attribution, host: str, account) -> bool:
    """Spam our own customer sent, advertising a site we host for a different customer:
    two matters, not one. Named together, neither could be held to anything (two
    parties: E0); the report stays the sender's, and the site is told as a signal for a
    person to take up with its own holder."""
    if NetworkRole.SENDING not in result.roles or not result.subscribers:
        return False
    if account.subscriber.subscriber_id in result.subscribers:
        return False  # the sender's own site: one party, both roles
    result.step(
        "advertised_site_of_another_customer", weight="signal", host=host, site_account=account.account_id
    )
    return True


def _attribute_host(result: Attribution, host: str) -> None:
    account = inventory.hosting_account_for_host(host=host)
    if account is not None:
        if _hosted_for_another_customer(result, host, account):
            return
        result.add_role(NetworkRole.HOSTING)
        result.add_account(account)
        result.step("hosted_here", host=host, account=account.account_id)
        return
    for address, asked_at in _addresses_of(result, host):
        block = inventory.block_for(ip=address)
        if block is None:
            continue
        if block.kind == BlockKind.DYNAMIC and asked_at is not None:
            # A site on a customer's home server, its name pointing into our pool: the
            # holder when the desk asked the DNS, by the session log.
            session = inventory.session_at(ip=address, at=asked_at)
            if session is None:
                continue
            if _hosted_for_another_customer(result, host, session.account):
                return
            result.add_role(NetworkRole.HOSTING)
            result.record("block", block.pk)
            result.record("session", session.pk)
            result.add_account(session.account)
            result.step(
                "self_hosted_on_dynamic_line",
                host=host,
                ip=address,
                at=asked_at.isoformat(),
                account=session.account.account_id,
            )
            return
        if block.account is not None and _hosted_for_another_customer(result, host, block.account):
            return
        if block.kind == BlockKind.HOSTING:
            result.add_role(NetworkRole.HOSTING)
            result.record("block", block.pk)
            if block.account is not None:
                result.add_account(block.account)
                result.step("hosting_address", host=host, ip=address, account=block.account.account_id)
            else:
                result.step("hosting_address_shared", host=host, ip=address)
            return
        if block.kind == BlockKind.STATIC and block.account is not None:
            result.add_role(NetworkRole.HOSTING)
            result.record("block", block.pk)
            result.add_account(block.account)
            result.step("self_hosted_on_connection", host=host, ip=address, account=block.account.account_id)
            return


def _site_address(report) -> str | None:
    """The address a notice about hosted content gives for the site (parsing.content)."""
    address = normalise_ip((report.facts or {}).get("site_address"))
    return address if is_routable_ip(address) else None


def _attribute_site_address(result: Attribution, report, address: str, at) -> None:
    """No host of the report's URLs is ours by name or by our own DNS answers, and the
    notice (a phishing or malware site's) gives the address the site was on: its holder
    when the notice saw it. The site is hosted there: hosting, never sending."""
    block = inventory.block_for(ip=address)
    if block is None:
        return
    hosts = list(report.url_hosts or [])
    host = next((h for h in hosts if normalise_ip(h) == address), None) or (hosts[0] if hosts else address)
    result.record("block", block.pk)
    if block.kind == BlockKind.TRANSIT:
        _transit(result, address, block)
        return
    if block.kind == BlockKind.SUB_ALLOCATION:
        result.add_role(NetworkRole.UPSTREAM)
        _sub_allocated(result, block)
        return
    account, code, params = None, "site_address_holder_unknown", {}
    if block.kind == BlockKind.HOSTING:
        account = block.account
        code = "site_address_in_hosting" if account is not None else "site_address_in_shared_hosting"
    elif block.kind == BlockKind.STATIC and block.account is not None:
        account, code = block.account, "site_address_on_static_line"
    elif block.kind == BlockKind.DYNAMIC and at is not None:
        session = inventory.session_at(ip=address, at=at)
        uncertain = time_uncertainty(report)
        if session is not None and (
            uncertain is None or _held_despite_the_uncertain_time(session, at, uncertain[0])
        ):
            result.record("session", session.pk)
            account, code, params = session.account, "site_address_on_dynamic_line", {"at": at.isoformat()}
    if account is not None and _hosted_for_another_customer(result, host, account):
        return
    result.add_role(NetworkRole.HOSTING)
    if account is not None:
        result.add_account(account)
        params["account"] = account.account_id
    result.step(code, host=host, ip=address, **params)


# Where a phishing kit, a malware download or a defacer's page is dropped on a
# compromised site: the folders a web application writes files to (above), hidden
# folders (/.well-known/ among them), and WordPress's own code folders (a plugin's or a
# theme's, wp-includes, wp-admin), which serve no page or download a site's owner
# writes: its pages are the CMS's, at their permalinks, its downloads where it lists them.
_PLANTED_PAGE = re.compile(
    rf"^[a-z][a-z0-9+.-]*://[^/?#]+(?:/[^?#]*)?/(?:{_SITE_FILE_FOLDERS}|wp-content|wp-includes|wp-admin"
    r"|\.[^/?#]+)/",
    re.IGNORECASE,
)
# An image, a style sheet, a script or a font: what a phishing mail or page borrows from
# the genuine site it imitates (its logo), and what a site keeps in those folders itself.
_ASSET = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|ico|bmp|css|js|woff2?|ttf|eot|otf)$", re.IGNORECASE)
# Reports whose URL is content harmful in itself, which a third party may have put into
# a site, and the step saying it was planted. A spam's advertised URL is not: the
# owner's own flyer or picture in its uploads is what a spam links to.
_PLANTED_STEPS = {
    "phishing": "phishing_planted_in_site",
    "malware": "malware_planted_in_site",
    "defacement": "defacement_planted_in_site",
}


def _planted_page(url: str) -> bool:
    return bool(_PLANTED_PAGE.match(url)) and not _ASSET.search(urlsplit(url).path)


def _reported_content(report) -> str | None:
    """ "phishing", "malware" or "defacement" when the report is about such content at
    its URLs (a defacement report's type is kept, its category is "other")."""
    category = (report.category or "").lower()
    if category in ("phishing", "malware"):
        return category
    kind = ((report.facts or {}).get("feedback_type") or "").lower()
    return "defacement" if kind == "defacement" else None


def _content_planted_in_site(result, report) -> None:
    """A phishing page, a malware download or a defacer's page where a site keeps
    uploads, caches, temporary files or its CMS's own code, or in a hidden folder, on a
    site we host: a third party put it there, the site was compromised and its owner is
    a victim (rule 11 for phishing: the path disabled at once), not a fraudster or a
    distributor of malware serving its own page or file (rule 10). Decided by the path
    alone: a file at the site's root or its downloads may be the owner's own."""
    kind = _reported_content(report)
    if kind is None or NetworkRole.HOSTING not in result.roles:
        return
    ours = {
        host for host in (report.url_hosts or []) if inventory.hosting_account_for_host(host=host) is not None
    }
    for url in (report.facts or {}).get("urls") or []:
        if _planted_page(url) and url_host(url) in ours:
            result.compromised("compromised_site", url, _PLANTED_STEPS[kind], url=url[:200])
            return
        if kind == "phishing" and url_host(url) in ours and _redirects_elsewhere(url):
            # A redirect script on the site (a plugin's go.php?u=…) sends the phishing
            # link's readers on to another site: the site is misused, not the fraud's.
            result.compromised("compromised_site", url, "phishing_through_redirect_on_site", url=url[:200])
            return


def _impersonated_hosts(report) -> set[str]:
    """The hosts of a phishing mail that belong to the organisation it pretends to come
    from: the mail's From is that organisation's domain, and it asks the reader to go to
    another organisation's address (the kit's form), the real site's ordinary pages
    linked only to look genuine. That site's owner is impersonated, not promoting: the
    site is told to staff as a signal and named for nothing. A page planted in the
    site's folders or a redirect on it is the site's own matter (rule 11), and a mail
    whose every link is the site's own is read as before."""
    if (report.category or "").lower() != "phishing" or not report.header_from:
        return set()
    claimed = registrable_domain(report.header_from.rpartition("@")[2])
    urls = (report.facts or {}).get("urls") or []
    if not claimed or not urls:
        return set()
    brand = [u for u in urls if registrable_domain(url_host(u)) == claimed]
    elsewhere = [
        u
        for u in urls
        if registrable_domain(url_host(u)) not in (claimed, None)
        and claimed not in {registrable_domain(url_host(t)) for t in redirect_targets(u)}
    ]
    if not brand or not elsewhere or any(_planted_page(u) or _redirects_elsewhere(u) for u in brand):
        return set()
    return {url_host(u) for u in brand}


def _redirects_elsewhere(url: str) -> bool:
    """A script on the site ("go.php?u=https://…", "redirect.php?url=…"), not its home
    page, sending the reader to another organisation's address: an open redirect."""
    path = urlsplit(url).path
    if not path.strip("/"):
        return False  # "/?utm_source=https://…": the home page carries a parameter
    own = registrable_domain(url_host(url))
    return any(registrable_domain(url_host(target)) not in (own, None) for target in redirect_targets(url))
def _addresses_of(result: Attribution, host: str) -> list[tuple[str, object]]:
    """(address, when the DNS said so) for the host: a literal address has no time."""
    try:
        return [(str(ipkeys.parse_ip(host)), None)]
    except ValueError:
        pass
    addresses = []
    # The latest answer the DNS gave for each kind: a lookup that got none (a timeout, a
    # server failure: a phishing domain's name servers once it is suspended) says nothing.
    latest = {record.kind: record for record in _latest_lookups(host, (Evidence.Kind.A, Evidence.Kind.AAAA))}
    for kind in (Evidence.Kind.A, Evidence.Kind.AAAA):
        record = latest.get(kind)
        if record is not None and record.outcome == Evidence.Outcome.ANSWER:
            result.record("evidence", record.pk)
            addresses += [(a, record.asked_at) for a in record.answer if _is_ip(a)]
    return addresses


_NO_ANSWER = (Evidence.Outcome.TIMEOUT, Evidence.Outcome.SERVFAIL, Evidence.Outcome.ERROR)


def _latest_lookups(subject: str, kinds: tuple[str, ...]) -> list[Evidence]:
    """The latest lookup of each kind about `subject` that got an answer or a definite
    "no" (not a timeout or failure): one hand-written statement for all the kinds (the
    ORM's compiling of one query per kind cost more than running them)."""
    from abusedesk import rawsql

    reader = rawsql.row_reader(Evidence)
    table = Evidence._meta.db_table
    one = (
        f"SELECT * FROM (SELECT {reader.columns('e')} FROM {table} e WHERE e.subject = %s AND e.kind = %s "  # noqa: S608
        f"AND e.outcome NOT IN (%s, %s, %s) ORDER BY e.asked_at DESC, e.id DESC LIMIT 1) k{{n}}"
    )
    sql = " UNION ALL ".join(one.format(n=n) for n in range(len(kinds)))
    params = [str(p) for kind in kinds for p in (subject, kind, *_NO_ANSWER)]
    return [reader.read(row)[0][0] for row in rawsql.fetch(sql, params)]


def _is_ip(text: str) -> bool:
    return normalise_ip(text) is not None


# -- whom to tell when it is not ours ---------------------------------------------------


def _abuse_contact(ip, origin_hop, hosts, *, advertised=()) -> dict | None:
    """The abuse contact of the network responsible for `ip` (or for the servers
    `hosts` names): the registry's, else RFC 2142's abuse@ of the network's own domain.
    `advertised` (the spam's link hosts) are only looked up among the registry's
    networks: abuse@ of an advertised site's own domain is the spammer's mailbox, and a
    forward there would hand the complainant to the spammer."""
    if ip:
        contact = _registry_network(ip)
        if contact:
            return {"email": contact.abuse_email, "name": contact.name, "source": "registry"}
    own = [n for n in (_reverse_name(ip, origin_hop), *hosts) if n and not _is_ip(n)]
    names = own + [n for n in advertised if n and not _is_ip(n)]
    # Each name's parent domains, nearest first; one query for all of them.
    parents = {}
    for name in names:
        labels = name.lower().rstrip(".").split(".")
        parents[name] = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    wanted = sorted(set().union(*parents.values())) if parents else []
    by_domain: dict[str, NetworkContact] = {}
    for contact in _contacts_by_domain(wanted) if wanted else []:
        by_domain.setdefault(contact.domain, contact)
    for name in names:
        for parent in parents[name]:
            contact = by_domain.get(parent)
            if contact:
                return {"email": contact.abuse_email, "name": contact.name, "source": "registry"}
    for name in own:
        domain = registrable_domain(name)
        if domain:
            return {"email": f"abuse@{domain}", "name": domain, "source": "rfc2142"}
    return None


def _contacts_by_domain(domains: list[str]) -> list[NetworkContact]:
    from abusedesk import rawsql

    marks = ", ".join(["%s"] * len(domains))
    return rawsql.instances(NetworkContact, f"t.domain IN ({marks})", domains, tail="ORDER BY t.id")


def _registry_network(ip: str) -> NetworkContact | None:
    """The most specific registry network (with a prefix) holding `ip`; asked once per
    unit of work (inventory.lookups_memoized)."""
    key = ipkeys.ip_key(ip)

    def ask() -> NetworkContact | None:
        from abusedesk import rawsql

        found = rawsql.instances(
            NetworkContact, "t.prefix <> '' AND t.start_key <= %s AND t.end_key >= %s", [key, key],
            tail="ORDER BY t.prefix_len DESC LIMIT 1",
        )  # fmt: skip
        return found[0] if found else None

    return inventory.memoized(("registry_network", key), ask)


def _registered_to_us(ip: str) -> str | None:
    """The registry contact of the most specific network holding `ip`, when its abuse
    mailbox is under our own domains: the address is ours though the plan lacks it."""
    contact = _registry_network(ip)
    if contact is None or not contact.abuse_email:
        return None
    return contact.abuse_email if _is_own_name(contact.abuse_email.rpartition("@")[2]) else None


def _confirmed_own_name(ip: str, origin_hop) -> str | None:
    """A name under our own domains that the receiver looked up for `ip` and confirmed
    ("name [ip]" on the origin's line): anyone may point a reverse name at our domain,
    but only our DNS makes that name resolve back to the address."""
    if origin_hop is None or str(origin_hop.from_address or "") != ip:
        return None
    if not _is_own_name(origin_hop.from_rdns):
        return None
    return origin_hop.from_rdns if looked_up(origin_hop) else None


def _reverse_name(ip, origin_hop) -> str | None:
    if ip:
        from abusedesk import rawsql

        found = rawsql.instances(
            Evidence, "t.subject = %s AND t.kind = %s AND t.outcome = %s",
            [ip, str(Evidence.Kind.PTR), str(Evidence.Outcome.ANSWER)],
            tail="ORDER BY t.asked_at DESC LIMIT 1",
        )  # fmt: skip
        ptr = found[0] if found else None
        if ptr and ptr.answer:
            return ptr.answer[0].rstrip(".")
    if origin_hop and origin_hop.from_rdns and origin_hop.from_rdns.lower() != "unknown":
        return origin_hop.from_rdns
    return None
