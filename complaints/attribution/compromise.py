"""Was the origin machine hijacked? Only positive evidence says yes.

Evidence (each makes the method `hijacked_host` and the holder a probable victim):
- an `exploited` blocklist listing seen while the same holder had the address,
  within EXPLOITED_WINDOW of the spam;
- a greeting only ratware or a proxy produces (see `helo`);
- an open-relay signature: the origin host accepted the mail from an outside
  address, without a login, for a recipient in a domain that is not its own;
- many distinct reporters within minutes;
- the customer's own confirmation, recorded by staff on the case.

Everything else that was seen (a plain host name, no greeting, no Received header,
a listing at another time, relaying that may be forwarding) is a signal: recorded as
a step, shown, and the method falls back to `self_operated_server`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from abusedesk import rawsql
from complaints.choices import ConfirmationKind
from complaints.models import CaseConfirmation, Evidence, Hop, Report
from complaints.parsing.hosts import is_internal_ip, normalise_ip, registrable_domain
from complaints.parsing.origin import analyse_chain
from complaints.parsing.parsed import Hop as ParsedHop
from complaints.parsing.parsed import TrustContext
from subscribers import selectors as inventory
from subscribers.choices import BlockKind

from . import helo as greeting
from .result import Attribution

EXPLOITED_WINDOW = timedelta(days=3)  # a listing this far from the spam says little about it
BURST_WINDOW = timedelta(minutes=10)
BURST_REPORTERS = 10  # this many distinct reporters within BURST_WINDOW looks like a bot run
_FOR = re.compile(r"\bfor\s+<?([^\s<>;@]+@([^\s<>;]+?))>?\s*[;(]", re.IGNORECASE)


def check_compromise(
    result: Attribution, *, report: Report, ip: str, at, origin_hop: Hop | None, hops
) -> None:
    if at is not None:  # a listing is weighed against who held the address then
        _exploited_listing(result, ip, at)
    _greeting(result, ip, origin_hop)
    _open_relay(result, ip, origin_hop, hops)
    _reporter_burst(result, report)
    _customer_confirmation(result, report)


def _exploited_listing(result: Attribution, ip: str, at) -> None:
    # Asked for every report of a customer's: by hand (abusedesk.rawsql), not compiled.
    listings = rawsql.instances(
        Evidence, "t.subject = %s AND t.kind = %s AND t.zone_kind = %s AND t.listed = %s",
        [ip, str(Evidence.Kind.DNSBL), "exploited", True], tail="ORDER BY t.asked_at DESC LIMIT 20",
    )  # fmt: skip
    # S2 reads, inside the report's attribution: the session at the spam's time is the
    # one _attribute_origin already recorded; each one read here goes into the records
    # of the same report.attributed audit entry (POLICY.md: every access recorded).
    holder = inventory.session_at(ip=ip, at=at)
    if holder is not None:
        result.record("session", holder.pk)
    other = None
    for listing in listings:
        if _same_holder_then(result, ip, at, listing.asked_at, holder):
            result.record("evidence", listing.pk)
            result.compromised(
                "exploited_listing",
                listing.zone,
                "listed_as_exploited",
                zone=listing.zone,
                at=listing.asked_at.isoformat(),
            )
            return
        other = other or listing
    if other is not None:
        result.record("evidence", other.pk)
        result.signal(
            "exploited_listing_elsewhen",
            other.zone,
            "listed_as_exploited_at_another_time",
            zone=other.zone,
            at=other.asked_at.isoformat(),
        )


def _same_holder_then(result: Attribution, ip: str, at, asked_at, holder) -> bool:
    """The listing was seen near the spam, while the address was still the same
    holder's: a dynamic address handed to somebody else says nothing about them.

    The session read at the listing's time (S2, possibly another holder's) is
    recorded with the attribution like every other record it used."""
    if abs(asked_at - at) > EXPLOITED_WINDOW:
        return False
    if holder is None:
        return True  # a static line or a block of ours: the holder does not change by the hour
    then = inventory.session_at(ip=ip, at=asked_at)
    if then is not None:
        result.record("session", then.pk)
    return then is not None and then.pk == holder.pk


def _greeting(result: Attribution, ip: str, origin_hop: Hop | None) -> None:
    if origin_hop is None:
        result.signal("no_received_header", "", "no_origin_hop", ip=ip)
        return
    seen = greeting.read_greeting(
        origin_hop.from_name, sender_ip=ip, receiver=origin_hop.by_name, rdns=origin_hop.from_rdns
    )
    code = f"helo_{seen.shape}"
    if seen.shows_compromise:
        result.compromised(code, seen.helo, code, helo=seen.helo, receiver=origin_hop.by_name or None)
    else:
        # The parser may have listed the greeting's shape already; the step says it anyway.
        listed = not any(s["key"].startswith("helo_") for s in result.signals)
        result.signal(code, seen.helo, code, listed=listed, helo=seen.helo)


def _open_relay(result: Attribution, ip: str, origin_hop: Hop | None, hops) -> None:
    """The hop the origin host wrote itself: whom did it take the mail from, and for whom?"""
    if origin_hop is None:
        return
    below = next((h for h in hops if h.position == origin_hop.position + 1), None)
    if below is None or not below.from_address or below.from_address == ip:
        return
    if is_internal_ip(below.from_address) or inventory.block_for(ip=below.from_address) is not None:
        return  # its own network or ours: a gateway, not a relay for strangers
    if not _written_by_origin(below, origin_hop, ip) or hop_authenticated(below)[0]:
        return
    relay_domains = {registrable_domain(n) for n in (origin_hop.from_name, origin_hop.from_rdns) if n} - {
        None
    }
    recipient = _for_domain(below.raw)
    # The line below was written by the origin host itself. From a server on a static
    # line or in hosting it is a relay's record; from a dynamic pool, where no relay
    # runs and a bot writes what it likes, it proves nothing.
    block = inventory.block_for(ip=ip)
    dynamic = block is not None and block.kind in (BlockKind.DYNAMIC, BlockKind.SHARED)
    # A domain hosted with us is one our hosting server takes mail for (a forwarder).
    hosted = bool(recipient) and inventory.hosting_account_for_host(host=recipient) is not None
    if recipient and registrable_domain(recipient) not in relay_domains and not dynamic and not hosted:
        result.compromised(
            "open_relay", below.from_address, "open_relay", client=below.from_address, recipient=recipient
        )
    else:
        # Without a foreign recipient this is what a forwarder or a mailing list does too.
        result.signal(
            "relayed_for_outsider", below.from_address, "relayed_for_outsider", client=below.from_address
        )


def _written_by_origin(below: Hop, origin_hop: Hop, ip: str) -> bool:
    by = (below.by_name or "").lower().rstrip(".")
    if not by:
        return False
    if normalise_ip(by):
        return normalise_ip(by) == ip
    names = {n.lower().rstrip(".") for n in (origin_hop.from_name, origin_hop.from_rdns) if n}
    return (
        by in names
        or bool(registrable_domain(by))
        and registrable_domain(by) in {registrable_domain(n) for n in names}
    )


def hop_authenticated(hop: Hop) -> tuple[bool, str | None]:
    """Did the client of this one hop log in, by the parser's own markers? (login or None)"""
    parsed = ParsedHop(
        from_name=hop.from_name or None,
        from_rdns=hop.from_rdns or None,
        from_address=hop.from_address,
        by_name=hop.by_name or None,
        with_protocol=hop.with_protocol or None,
        time=hop.time,
        raw=hop.raw,
    )
    chain = analyse_chain([parsed], TrustContext())
    return bool(chain.authenticated), chain.authenticated_as


def _for_domain(raw: str) -> str | None:
    match = _FOR.search(raw or "")
    return match.group(2).lower().rstrip(".") if match else None


def _reporter_burst(result: Attribution, report: Report) -> None:
    if report.case_id is None or report.occurred_at is None:
        return
    sql = (
        f"SELECT count(*) FROM (SELECT DISTINCT reporter_key FROM {Report._meta.db_table} "  # noqa: S608
        "WHERE case_id = %s AND occurred_at >= %s AND occurred_at <= %s) r"
    )
    window = [report.occurred_at - BURST_WINDOW, report.occurred_at + BURST_WINDOW]
    reporters = rawsql.fetch(sql, [report.case_id, *window])[0][0]
    if reporters >= BURST_REPORTERS:
        minutes = int(BURST_WINDOW.total_seconds() // 60)
        result.compromised(
            "reporter_burst", reporters, "reporter_burst", reporters=reporters, minutes=minutes
        )


def case_confirmation(report: Report, kind: str) -> CaseConfirmation | None:
    """The first confirmation of this kind recorded on the report's case."""
    if report.case_id is None:
        return None
    found = rawsql.instances(
        CaseConfirmation, "t.case_id = %s AND t.kind = %s", [report.case_id, str(kind)],
        tail="ORDER BY t.recorded_at, t.id LIMIT 1",
    )  # fmt: skip
    return found[0] if found else None


def _customer_confirmation(result: Attribution, report: Report) -> None:
    confirmation = case_confirmation(report, ConfirmationKind.COMPROMISE)
    if confirmation is not None:
        result.record("confirmation", confirmation.pk)
        result.compromised(
            "customer_confirmed",
            confirmation.pk,
            "customer_confirmed_compromise",
            by=confirmation.recorded_by.get_username() if confirmation.recorded_by else None,
            at=confirmation.recorded_at.isoformat(),
        )
