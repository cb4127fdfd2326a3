"""Workload 5: DNS evidence through the worker path vs a plain dnspython loop.

Both ask the same loopback server (tests/support/dnsserver.py; one Python thread,
so it is a floor for a real resolver) the same questions:

- worker path: the body of the `collect_evidence` task (evidence_collect: fresh-answer
  cache read, run_checks, digests, one bulk insert) for BENCH_DNS_REPORTS reports, each
  with its own source address and two advertised hosts, BENCH_WORKERS tasks at a time
  as that many worker processes would take them;
- plain loop: dnspython's resolve() for exactly the questions the worker path stored,
  from a thread pool as wide as the worker path can have in flight (workers x the
  32-thread pool of run_checks).

The two take turns over BENCH_DNS_ROUNDS slices of the reports (each slice: the worker
path, then the plain loop on what it stored), so a change of load on the shared
machine falls on both alike; rates are over the sums of their times.
"""

from __future__ import annotations

import hashlib
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import db_migrated, django_setup, emit, loadavg, say, size  # noqa: E402

REPORTS = size("dns_reports", 300, 20)
WORKERS = size("workers", 2, 2)
ROUNDS = size("dns_rounds", 6, 2)
ZONES = ["bl0.test", "bl1.test"]


def main() -> None:
    url = db_migrated("evidence")
    django_setup(url)
    import dns.name
    import dns.resolver
    import dns.reversename
    from django.conf import settings

    from abusedesk.startup import worker_process_ready
    from complaints.evidence.lookups import MAX_WORKERS, dnsbl_name
    from complaints.evidence.tasks import collect_evidence
    from complaints.models import Evidence, Report
    from tests.support.dnsserver import DnsTestServer

    worker_process_ready()  # as each Celery pool process does when it starts

    reports = []
    for i in range(REPORTS):
        ip = f"198.51.100.{i % 254 + 1}" if i < 254 else f"203.0.113.{i % 254 + 1}"
        reports.append(Report(
            raw=b"x", raw_sha256=hashlib.sha256(str(i).encode()).hexdigest(), size=1, channel="api",
            reporter_key="email:bench@example.net", status="parsed", source_ip=f"2001:db8::{i:x}" if i >= 508 else ip,
            url_hosts=[f"shop{i}.spam.example", f"cdn{i}.spam.example"],
        ))  # fmt: skip
    Report.objects.bulk_create(reports)
    ids = list(Report.objects.values_list("pk", flat=True))
    with DnsTestServer(ttl=300) as server:
        for report in Report.objects.all():
            ip = str(report.source_ip)
            ptr = f"host-{report.pk}.dyn.isp.example"
            server.add(dns.reversename.from_address(ip).to_text(omit_final_dot=True), "PTR", f"{ptr}.")
            server.add(ptr, "AAAA" if ":" in ip else "A", ip)
            if report.pk % 10 == 0:
                for zone in ZONES:
                    server.add(dnsbl_name(ip, zone), "A", "127.0.0.2")
                    server.add(dnsbl_name(ip, zone), "TXT", '"listed for the bench"')
            for host in report.url_hosts:
                server.add(host, "A", "203.0.113.7")
                server.add(host, "MX", f"10 mx.{host}.")
        settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", server.port)]
        settings.ABUSEDESK_DNS_TIMEOUT = 2.0
        settings.ABUSEDESK_DNSBL_ZONES = [(zone, "exploited") for zone in ZONES]

        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", server.port)]
        resolver.timeout = resolver.lifetime = 2.0
        resolver.cache = None

        def ask(question):
            name, rdtype = question
            try:
                resolver.resolve(dns.name.from_text(name), rdtype, search=False, raise_on_no_answer=False)
            except dns.resolver.NXDOMAIN:
                pass

        # In turns, a slice of the reports each: the load of the shared machine drifts
        # within seconds, and taken in turns it falls on both sides alike.
        load = loadavg()
        worker_seconds = worker_cpu = plain_seconds = plain_cpu = 0.0
        questions: list = []
        per_round = -(-len(ids) // ROUNDS)
        with (
            ThreadPoolExecutor(max_workers=WORKERS) as workers,
            ThreadPoolExecutor(WORKERS * MAX_WORKERS) as plain,
        ):
            for start in range(0, len(ids), per_round):
                chunk = ids[start : start + per_round]
                t0, c0 = time.perf_counter(), time.process_time()
                list(workers.map(collect_evidence.run, chunk))
                worker_seconds += time.perf_counter() - t0
                worker_cpu += time.process_time() - c0
                asked = list(
                    Evidence.objects.filter(report_id__in=chunk).values_list("query_name", "query_type")
                )
                t0, c0 = time.perf_counter(), time.process_time()
                list(plain.map(ask, asked))
                plain_seconds += time.perf_counter() - t0
                plain_cpu += time.process_time() - c0
                questions += asked
        failed = Evidence.objects.filter(outcome__in=["timeout", "servfail", "error"]).count()
    worker_rate, plain_rate = len(questions) / worker_seconds, len(questions) / plain_seconds
    # CPU of this process (both sides of every query: the test server is a thread here;
    # PostgreSQL's own work is not in it) per lookup: steadier than rates on a busy machine.
    worker_us, plain_us = 1e6 * worker_cpu / len(questions), 1e6 * plain_cpu / len(questions)
    say(f"  {len(questions)} lookups ({failed} failed): worker path {worker_rate:,.0f}/s, plain dnspython "
        f"{plain_rate:,.0f}/s, ratio {worker_rate / plain_rate:.0%}; CPU per lookup {worker_us:,.0f} us vs "
        f"{plain_us:,.0f} us (load {load} → {loadavg()})")  # fmt: skip
    emit("evidence", "DNS lookups", worker_rate=worker_rate, plain_rate=plain_rate, ratio=worker_rate / plain_rate,
         lookups=len(questions), failed=failed, worker_cpu_us=worker_us, plain_cpu_us=plain_us,
         load=load)  # fmt: skip


if __name__ == "__main__":
    main()
