"""Which DNS questions to ask about a subject, asked in parallel.

No database here: callers pass `cached`, which returns a still-fresh earlier
result for a question (or None), and get back only the results of questions
that were actually sent. Cached results still feed the follow-up questions
(forward confirmation of a PTR name, the TXT reason of a blocklist listing).
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.reversename
from django.conf import settings

from complaints.models import Evidence

from .resolver import DnsResult, plain_name, query

Kind = Evidence.Kind
Outcome = Evidence.Outcome

# Blocking on DNS is I/O, so threads help well beyond the core count; the cap
# keeps one report from opening hundreds of sockets against a slow resolver.
MAX_WORKERS = 32

# (subject, kind, query_name, query_type, zone): one question about one subject.
Key = tuple[str, str, str, str, str]
Cached = Callable[[Key], DnsResult | None]

# Spamhaus and others answer 127.255.255.x for "query refused" (e.g. asked
# through a public resolver): an error, not a listing.
_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
_DNSBL_ERRORS = ipaddress.ip_network("127.255.255.0/24")


@dataclass(frozen=True)
class Ask:
    subject: str
    kind: str
    name: str
    rdtype: str
    zone: str = ""
    zone_kind: str = ""

    @property
    def key(self) -> Key:
        return (self.subject, self.kind, self.name, self.rdtype, self.zone)


@dataclass(frozen=True)
class Check:
    """A question about a subject and the result that came back."""

    subject: str
    kind: str
    result: DnsResult
    zone: str = ""
    zone_kind: str = ""
    listed: bool | None = None  # DNSBL A lookups: listed, not listed, or unknown (failure)
    confirmed: bool | None = None  # forward lookups: the PTR name resolves back to the subject


def normalize_name(name: str) -> str:
    """A DNS name as the resolver records it: lowercase, no final dot, IDNA."""
    if plain_name(name):
        return name.rstrip(".").lower()
    try:
        return dns.name.from_text(name).to_text(omit_final_dot=True).lower()
    except dns.exception.DNSException:
        # Not a valid name: ask anyway, so the error is on record.
        return name.lower().rstrip(".")


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def dnsbl_name(ip: str, zone: str) -> str:
    """Reversed octets (IPv4) or reversed nibbles (IPv6) under the zone."""
    origin = _zone_name(zone)
    return dns.reversename.from_address(ip, v4_origin=origin, v6_origin=origin).to_text(omit_final_dot=True)


def dnsbl_listed(result: DnsResult) -> bool | None:
    if result.outcome in (Outcome.NXDOMAIN, Outcome.NOANSWER):
        return False
    if result.outcome != Outcome.ANSWER:
        return None  # a failure says nothing either way
    addresses = [ipaddress.ip_address(a) for a in result.answer if is_ip(a)]
    return any(a in _LOOPBACK and a not in _DNSBL_ERRORS for a in addresses)


def forward_confirms(ip: str, answer: Iterable[str]) -> bool:
    wanted = ipaddress.ip_address(ip)
    return any(is_ip(a) and ipaddress.ip_address(a) == wanted for a in answer)


@functools.lru_cache(maxsize=64)
def _zone_name(zone: str) -> dns.name.Name:
    """A blocklist zone as a name, parsed once: every address asks under the same few."""
    return dns.name.from_text(zone)


# Planning -------------------------------------------------------------------


def _ip_asks(ip: str) -> list[Ask]:
    subject = str(ipaddress.ip_address(ip))
    asks = [Ask(subject, Kind.PTR, dns.reversename.from_address(subject).to_text(omit_final_dot=True), "PTR")]
    for zone, zone_kind in settings.ABUSEDESK_DNSBL_ZONES:
        asks.append(Ask(subject, Kind.DNSBL, dnsbl_name(subject, zone), "A", zone, zone_kind))
    return asks


def _host_asks(host: str) -> list[Ask]:
    name = normalize_name(host)
    return [Ask(name, kind, name, kind.upper()) for kind in (Kind.A, Kind.AAAA, Kind.MX, Kind.NS)]


def _domain_asks(domain: str) -> list[Ask]:
    name = normalize_name(domain)
    return [Ask(name, Kind.SPF, name, "TXT"), Ask(name, Kind.DMARC, f"_dmarc.{name}", "TXT")]


def _follow_ups(ask: Ask, result: DnsResult) -> list[Ask]:
    if ask.kind == Kind.PTR and result.outcome == Outcome.ANSWER:
        rdtype = "A" if ipaddress.ip_address(ask.subject).version == 4 else "AAAA"
        return [Ask(ask.subject, Kind.FORWARD, normalize_name(ptr), rdtype) for ptr in result.answer]
    if ask.kind == Kind.DNSBL and ask.rdtype == "A" and dnsbl_listed(result):
        return [dataclasses.replace(ask, rdtype="TXT")]
    return []


# Running --------------------------------------------------------------------


def _keep_only(result: DnsResult, prefix: str) -> DnsResult:
    """TXT records of one kind (SPF, DMARC); the response text keeps them all."""
    kept = [t for t in result.answer if t.lstrip('"').lower().startswith(prefix)]
    return dataclasses.replace(result, answer=kept)


def _check(ask: Ask, result: DnsResult) -> Check:
    if ask.kind == Kind.SPF:
        result = _keep_only(result, "v=spf1")
    elif ask.kind == Kind.DMARC:
        result = _keep_only(result, "v=dmarc1")
    listed = dnsbl_listed(result) if ask.kind == Kind.DNSBL and ask.rdtype == "A" else None
    confirmed = forward_confirms(ask.subject, result.answer) if ask.kind == Kind.FORWARD else None
    return Check(ask.subject, ask.kind, result, ask.zone, ask.zone_kind, listed, confirmed)


def _pool(workers: int) -> ThreadPoolExecutor:
    """This thread's pool of DNS threads, `workers` wide, kept from one report to the next.

    Starting a pool per report cost a dozen thread starts per report, which on a
    busy worker was a good part of the time spent beyond the queries. Per calling
    thread, so one report still has a bounded number of questions in flight; the
    pool goes (and its threads exit) with the thread that made it.
    """
    pools = getattr(_local, "pools", None)
    if pools is None:
        pools = _local.pools = {}
    pool = pools.get(workers)
    if pool is None:
        pool = pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dns")
    return pool


_local = threading.local()


def run_checks(
    *,
    ips: Iterable[str] = (),
    hosts: Iterable[str] = (),
    domains: Iterable[str] = (),
    cached: Cached | None = None,
    workers: int = MAX_WORKERS,
    deadline: float | None = None,
    skipped: list[Ask] | None = None,
) -> list[Check]:
    """Ask every question about these subjects, in parallel; return the new results.

    Follow-up questions (forward confirmation of a PTR name, the reason of a
    blocklist listing) are sent as soon as the answer they follow is in, not
    after every first question. Each question is asked once. With a `deadline`
    (time.monotonic()), no question is sent after it: those are appended to
    `skipped` instead, so a report's time is bounded by the deadline plus one
    resolver timeout (a follow-up is only sent before the deadline too).

    The results come back in the order of the questions: the first questions
    as planned, then each one's follow-ups in that order, and so on.
    """

    def ask(a: Ask) -> DnsResult | None:
        if deadline is not None and time.monotonic() >= deadline:
            return None
        return query(a.name, a.rdtype)

    first: list[Ask] = []
    for ip in dict.fromkeys(ips):
        first += _ip_asks(ip)
    for host in dict.fromkeys(hosts):
        first += _host_asks(host)
    for domain in dict.fromkeys(domains):
        first += _domain_asks(domain)

    # The calling thread asks one chain of questions itself (the first: an address's
    # PTR, whose follow-up waits on it), the pool the others: `workers` in flight at most.
    here = workers > 1
    pool = _pool(workers - 1 if here else 1)
    lock = threading.Lock()
    seen: set[Key] = set()
    sent: dict[Key, DnsResult | None] = {}  # None: not sent, the deadline had passed
    follow: dict[Key, list[Ask]] = {}  # the follow-ups each question brought in
    futures: list[Future] = []

    def claim(asks: list[Ask]) -> list[Ask]:
        """The questions not asked yet in this run (each is asked once)."""
        new = []
        with lock:
            for a in asks:
                if a.key not in seen:
                    seen.add(a.key)
                    new.append(a)
        return new

    def dispatch(asks: list[Ask], *, here: bool) -> None:
        """Start these (new) questions. One answered from the cache still leads to its
        follow-ups; of those to send, the first is asked in this thread when `here`,
        the others in the pool's."""
        to_send = []
        for a in asks:
            known = cached(a.key) if cached else None
            if known is None:
                to_send.append(a)
            else:
                follow[a.key] = after = claim(_follow_ups(a, known))
                dispatch(after, here=False)
        futures.extend(pool.submit(chase, a) for a in to_send[1 if here else 0 :])
        if here and to_send:
            chase(to_send[0])

    def chase(a: Ask) -> None:
        """Ask, then start the follow-ups straight away (not after every other answer)."""
        result = sent[a.key] = ask(a)
        follow[a.key] = after = claim(_follow_ups(a, result)) if result is not None else []
        dispatch(after, here=True)

    level = claim(first)
    try:
        dispatch(level, here=here)
        done = 0
        while done < len(futures):  # grows while follow-ups are sent
            futures[done].result()
            done += 1
    finally:
        for future in futures:  # only on an error: nothing of this report is left to run
            future.cancel()

    checks: list[Check] = []
    while level:
        for a in level:
            if a.key not in sent:
                continue  # answered from the cache
            if sent[a.key] is None:
                if skipped is not None:
                    skipped.append(a)
            else:
                checks.append(_check(a, sent[a.key]))
        level = [f for a in level for f in follow.get(a.key, [])]
    return checks


def ip_checks(ip: str, *, cached: Cached | None = None) -> list[Check]:
    """PTR, forward confirmation of each PTR name, and each configured blocklist."""
    return run_checks(ips=[ip], cached=cached)


def host_checks(host: str, *, cached: Cached | None = None) -> list[Check]:
    """A, AAAA, MX and NS of a host name."""
    return run_checks(hosts=[host], cached=cached)


def domain_policy_checks(domain: str, *, cached: Cached | None = None) -> list[Check]:
    """SPF (TXT of the domain) and DMARC (TXT of _dmarc.domain)."""
    return run_checks(domains=[domain], cached=cached)
