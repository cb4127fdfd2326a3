"""Benchmark: DNS evidence lookups per minute, in parallel, against a loopback DNS server.

Usage: python bench/dns_evidence.py [--ips 500] [--hosts 200] [--zones 2] [--workers 32]
No database: it drives `complaints.evidence.lookups.run_checks` directly, the
same code the evidence task runs, with the test DNS server from
tests/support/dnsserver.py answering every name (one in ten addresses listed).
The server is one Python thread, so the figure is a floor for a real resolver.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def documentation_addresses(count: int) -> list[str]:
    """Distinct addresses from the documentation ranges only (RFC 5737, RFC 3849)."""
    v4 = itertools.chain.from_iterable(
        ipaddress.ip_network(n).hosts() for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    )
    v6 = ipaddress.ip_network("2001:db8::/64").hosts()
    return [str(a) for a in itertools.islice(itertools.chain(v4, v6), count)]


def serve(server, ips: list[str], hosts: list[str], zones: list[str]) -> None:
    import dns.reversename

    from complaints.evidence.lookups import dnsbl_name

    for i, ip in enumerate(ips):
        ptr = f"host-{i}.dyn.isp.example"
        server.add(dns.reversename.from_address(ip).to_text(omit_final_dot=True), "PTR", f"{ptr}.")
        server.add(ptr, "A" if ":" not in ip else "AAAA", ip)
        if i % 10 == 0:
            for zone in zones:
                server.add(dnsbl_name(ip, zone), "A", "127.0.0.2")
                server.add(dnsbl_name(ip, zone), "TXT", '"listed for the bench"')
    for i, host in enumerate(hosts):
        server.add(host, "A", f"203.0.113.{i % 250 + 1}")
        server.add(host, "MX", f"10 mx.{host}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ips", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--zones", type=int, default=2)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    import django

    django.setup()
    from django.conf import settings

    from complaints.evidence.lookups import run_checks
    from tests.support.dnsserver import DnsTestServer

    ips = documentation_addresses(args.ips)
    hosts = [f"shop-{i}.spam.example" for i in range(args.hosts)]
    zones = [f"bl{z}.test" for z in range(args.zones)]
    with DnsTestServer(ttl=300) as server:
        serve(server, ips, hosts, zones)
        # Never the machine's resolver: everything goes to the loopback server.
        settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", server.port)]
        settings.ABUSEDESK_DNS_TIMEOUT = 2.0
        settings.ABUSEDESK_DNSBL_ZONES = [(zone, "exploited") for zone in zones]
        t0 = time.perf_counter()
        checks = run_checks(ips=ips, hosts=hosts, workers=args.workers)
        elapsed = time.perf_counter() - t0
        received = server.queries
    failed = sum(1 for c in checks if c.result.outcome in ("timeout", "servfail", "error"))
    print(
        f"{len(checks)} lookups ({args.ips} addresses x PTR+forward+{args.zones} zones, "
        f"{args.hosts} hosts x A/AAAA/MX/NS; {received} queries received, {failed} failed) "
        f"with {args.workers} workers in {elapsed:.2f} s: {len(checks) / elapsed * 60:,.0f} lookups/min"
    )


if __name__ == "__main__":
    main()
