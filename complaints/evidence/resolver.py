"""The one place DNS queries are made.

Every query comes back as a `DnsResult`, whatever happened: NXDOMAIN, no
answer, SERVFAIL and timeouts are facts worth keeping as evidence, so they are
recorded as outcomes and never raised.

Settings are read on every call (not at import) so tests and a changed
configuration take effect without reloading anything.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings

from complaints.models import Evidence

Outcome = Evidence.Outcome

SYSTEM = "system"

# Letters, digits, hyphens and underscores in dot-separated labels (a final dot allowed):
# dnspython writes such a name back as it was given, so it needs no round trip through
# dns.name (a too-long label or name is rejected there, where it is sent).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")


def plain_name(name: str) -> bool:
    return _PLAIN_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class DnsResult:
    query_name: str
    query_type: str
    server: str  # "host:port" of the server that answered, or "system"
    asked_at: datetime  # aware, UTC
    outcome: str  # an Evidence.Outcome value
    answer: list[str] = field(default_factory=list)  # rdata as text, in the order returned
    ttl: int | None = None  # the answer's TTL, or the negative TTL from the SOA
    response_text: str = ""  # why no server answered (a timeout, an error), in words
    response_wire: bytes = b""  # the whole response as the server sent it (RFC 1035 wire format)

    def response_as_text(self) -> str:
        return response_as_text(self.response_wire, self.response_text)


def response_as_text(wire: bytes | memoryview | None, text: str = "") -> str:
    """A stored response for people: the wire bytes in dnspython's zone-file-like text
    (what `dig` shows), or the words kept when no server answered."""
    if not wire:
        return text
    try:
        return dns.message.from_wire(bytes(wire), ignore_trailing=True).to_text()
    except (dns.exception.DNSException, ValueError) as exc:  # kept as received, whatever it holds
        return f"(the response as received does not parse: {type(exc).__name__}) {bytes(wire).hex()}"


def _configured_servers() -> list[tuple[str, int]]:
    return [(host, int(port)) for host, port in (settings.ABUSEDESK_DNS_SERVERS or [])]


def _server_label(servers: list[tuple[str, int]]) -> str:
    if not servers:
        return SYSTEM
    return ",".join(_host_port(host, port) for host, port in servers)[:100]


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def build_resolver(servers: list[tuple[str, int]] | None = None) -> dns.resolver.Resolver:
    """A resolver for the configured servers, or the system's when none is set.

    It never caches, so each query reaches a server and the record shows what
    that server said at that moment. One resolver per configuration (servers,
    timeout) is kept and shared by threads: with its cache off, dnspython's
    `resolve()` changes nothing on it. The system's is built per call, so a
    changed /etc/resolv.conf takes effect.
    """
    if servers is None:
        servers = _configured_servers()
    timeout = float(settings.ABUSEDESK_DNS_TIMEOUT)
    if servers:
        return _resolver_for(tuple(servers), timeout)
    return _configure(dns.resolver.Resolver(), timeout)


@functools.lru_cache(maxsize=8)
def _resolver_for(servers: tuple[tuple[str, int], ...], timeout: float) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)
    # Per-nameserver ports: `resolver.port` would force one port on all.
    resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in servers]
    return _configure(resolver, timeout)


def _configure(resolver: dns.resolver.Resolver, timeout: float) -> dns.resolver.Resolver:
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def query(name: str, rdtype: str) -> DnsResult:
    """Ask for `rdtype` records of `name` (absolute; a trailing dot is optional)."""
    rdtype = rdtype.upper()
    asked_at = datetime.now(UTC)
    servers = _configured_servers()
    base = {"query_name": name, "query_type": rdtype, "server": _server_label(servers), "asked_at": asked_at}
    try:
        qname = dns.name.from_text(name)
        base["query_name"] = name.rstrip(".") if plain_name(name) else qname.to_text(omit_final_dot=True)
        answer = build_resolver(servers).resolve(qname, rdtype, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN as exc:
        response = next(iter(exc.responses().values()), None)
        ttl = _negative_ttl(response)
        return DnsResult(**base, outcome=Outcome.NXDOMAIN, ttl=ttl, **_kept(response, exc))
    except dns.resolver.NoNameservers as exc:
        failed = _last_failure(exc)
        if failed is None:  # no server answered at all, e.g. network unreachable
            return DnsResult(**base, outcome=Outcome.ERROR, response_text=str(exc))
        # A server answered SERVFAIL (or REFUSED): keep which one, and its words.
        server, response = failed
        labels = {str(dns.nameserver.Do53Nameserver(h, p)): _host_port(h, p) for h, p in servers}
        base["server"] = labels.get(server, base["server"])
        return DnsResult(**base, outcome=Outcome.SERVFAIL, **_kept(response))
    except dns.exception.Timeout as exc:
        return DnsResult(**base, outcome=Outcome.TIMEOUT, response_text=str(exc))
    except (dns.exception.DNSException, ValueError, OSError) as exc:
        return DnsResult(**base, outcome=Outcome.ERROR, response_text=f"{type(exc).__name__}: {exc}")
    if servers:
        base["server"] = _host_port(answer.nameserver, answer.port)
    response = answer.response
    if answer.rrset is None:
        return DnsResult(**base, outcome=Outcome.NOANSWER, ttl=_negative_ttl(response), **_kept(response))
    return DnsResult(
        **base,
        outcome=Outcome.ANSWER,
        answer=[rdata.to_text() for rdata in answer.rrset],
        ttl=answer.rrset.ttl,
        **_kept(response),
    )


def _negative_ttl(response: dns.message.Message | None) -> int | None:
    """RFC 2308: a negative answer is cached for min(SOA TTL, SOA MINIMUM)."""
    if response is None:
        return None
    for rrset in response.authority:
        if rrset.rdtype == dns.rdatatype.SOA and len(rrset):
            return min(rrset.ttl, rrset[0].minimum)
    return None


def _last_failure(exc: dns.resolver.NoNameservers) -> tuple[str, dns.message.Message] | None:
    # Each error is (str(nameserver), tcp, port, error, response or None).
    for server, _tcp, _port, _error, response in reversed(exc.kwargs.get("errors") or []):
        if isinstance(response, dns.message.Message):
            return server, response
    return None


def _kept(response: dns.message.Message | None, exc: Exception | None = None) -> dict:
    """What a record keeps of a response: the bytes the server sent (dnspython keeps
    them on a message it parsed), rendered as text only when someone reads it; the
    text was about a tenth of a collection's CPU. Without a response, the error."""
    if response is None:
        return {"response_text": str(exc)}
    if response.wire:
        return {"response_wire": bytes(response.wire)}
    return {"response_text": response.to_text()}
