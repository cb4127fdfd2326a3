"""Benchmark: sign-up screening quality and speed on a generated population.

Usage: python bench/screening_match.py [--subscribers 100000] [--terminated-share 0.02]
Runs on DATABASE_URL (default: a fresh SQLite file bench/out/screening.sqlite3).
Prints load time, precision and recall of "match" and of "match or possible
match", and the screening latency. The suite runs the same evaluation on 5,000
subscribers (tests/screening/test_precision_recall.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db = out / "screening.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--terminated-share", type=float, default=0.02)
    args = parser.parse_args()
    setup_django()
    from abusedesk.roles import UserRole
    from abusedesk.services import user_create
    from screening.models import ScreeningQuery
    from tests.screening.population import evaluate, load, population

    started = time.perf_counter()
    people = population(args.subscribers)
    terminated = load(people, terminated_share=args.terminated_share)
    loaded = time.perf_counter() - started
    print(
        f"population: {len(people)} subscribers, {len(terminated)} terminated (L7), loaded in {loaded:.1f} s"
    )
    actor = user_create(username="bench-staff", role=UserRole.STAFF, password=None)
    started = time.perf_counter()
    report = evaluate(people, terminated, actor)
    took = time.perf_counter() - started
    print(
        f"applicants: {report['applicants']} "
        f"({report['positives']} re-applications of terminated subscribers)"
    )
    for name, label in (("match", "match"), ("flagged", "match or possible match")):
        print(
            f"{label:>24}: precision {report[f'{name}_precision']:.3f}  recall {report[f'{name}_recall']:.3f}"
        )
    print(f"missed re-applications by kind: {report['misses']}")
    print(f"other people flagged, by kind: {report['false_alarms']}")
    times = sorted(q.at for q in ScreeningQuery.objects.order_by("at"))
    gaps = [(b - a).total_seconds() * 1000 for a, b in zip(times, times[1:], strict=False)]
    print(
        f"screening: {report['applicants'] / took:.0f} queries/s; "
        f"per query p50 {statistics.median(gaps):.1f} ms, "
        f"p95 {statistics.quantiles(gaps, n=20)[18]:.1f} ms (with its audit entry)"
    )


if __name__ == "__main__":
    main()
