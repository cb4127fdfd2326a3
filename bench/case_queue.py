"""Benchmark: the triage queue at a million reports (target p95 < 150 ms server time).

Usage: python bench/case_queue.py [--reports 1000000] [--cases 50000] [--runs 30] [--keep]
Runs on DATABASE_URL (default: a fresh SQLite file bench/out/case_queue.sqlite3).
Times the queue view through Django's test client (server time: no network),
for the default page and the common filters, and prints p50/p95 per query.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(fresh: bool) -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db = out / "case_queue.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(n_reports: int, n_cases: int, rng: random.Random) -> None:
    from complaints.models import Case, Report

    if Case.objects.exists():
        return
    roles = [["sending"], ["hosting"], ["not_ours"], ["receiving"], ["sending", "hosting"]]
    methods = ["self_operated_server", "hijacked_host", "contracted_isp_server", "other_isp_server", ""]
    start = datetime(2026, 10, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    cases = []
    for i in range(n_cases):
        r = rng.choice(roles)
        created = start + timedelta(minutes=i)
        cases.append(
            Case(
                key=f"ip:10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                kind="address",
                subject=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                roles=r,
                roles_text="," + ",".join(r) + ",",
                sending_method=rng.choice(methods),
                account_kinds_text=",connection,",
                accounts=[f"C-{i:06d}"],
                accounts_text=f",C-{i:06d},",
                evidence_level=rng.choice(["E0", "E1", "E2"]),
                recommended_level=rng.choice(["L1", "L2", "L3"]),
                created_at=created,
                last_activity_at=created,
                status="open" if i % 3 else "closed",
            )
        )
    Case.objects.bulk_create(cases, batch_size=5000)
    ids = list(Case.objects.values_list("pk", flat=True))
    batch = []
    for i in range(n_reports):
        batch.append(
            Report(
                raw=b"x",
                raw_sha256=f"{i:064x}",
                size=1,
                channel="api",
                reporter_key=f"email:r{i % 5000}@x.example",
                reporter=f"r{i % 5000}@x.example",
                message_id=f"m{i}@x.example",
                status="parsed",
                case_id=ids[i % len(ids)],
                received_at=start + timedelta(seconds=i),
            )
        )
        if len(batch) == 20000:
            Report.objects.bulk_create(batch)
            batch.clear()
    Report.objects.bulk_create(batch)
    print(f"loaded {n_cases} cases and {n_reports} reports in {time.perf_counter() - t0:.0f} s")


def measure(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from abusedesk.roles import Role
    from abusedesk.services import user_create

    User = get_user_model()
    user = User.objects.filter(username="bench").first() or user_create(
        username="bench", role=Role.STAFF, password=None
    )
    client = Client()
    client.force_login(user)
    queries = {
        "default page": "/cases/",
        "role=hosting": "/cases/?role=hosting",
        "method + evidence": "/cases/?sending_method=hijacked_host&evidence_level=E2",
        "oldest untouched": "/cases/?order=untouched",
        "page 200": "/cases/?page=200",
        "search address": "/cases/?q=10.0.12.34",
        "search message-id": "/cases/?q=m777777@x.example",
        "search account": "/cases/?q=C-004242",
    }
    for name, url in queries.items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:20s} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    setup(fresh=not args.keep)
    load(args.reports, args.cases, random.Random(3))
    measure(args.runs)


if __name__ == "__main__":
    main()
