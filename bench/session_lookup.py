"""Benchmark: "who held this address at this instant" over a large session log.

Usage: python bench/session_lookup.py [--rows 1000000] [--lookups 2000]
Runs on DATABASE_URL (default: a SQLite file bench/out/bench.sqlite3 made afresh).
Prints rows loaded, load rate, and lookup latency percentiles.
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


def setup_django(fresh: bool) -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db = out / "bench.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(rows: int, rng: random.Random) -> tuple[int, float]:
    """Sessions for a /16 dynamic pool: each address changes hands every few hours."""
    from subscribers import ipkeys
    from subscribers.models import Account, Session, SessionPrefixLength, Subscriber

    if Session.objects.exists():  # --keep: measure the log loaded last time
        return 0, 0.0
    sub, _ = Subscriber.objects.get_or_create(subscriber_id="BENCH", defaults={"name": "bench"})
    accounts = [
        Account.objects.get_or_create(
            account_id=f"BC-{i}",
            defaults={"subscriber": sub, "kind": "connection", "identifier": f"bench{i}"},
        )[0]
        for i in range(1000)
    ]
    SessionPrefixLength.objects.get_or_create(prefix_len=128)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    addresses = 65536
    per_address = max(1, rows // addresses)
    batch, made, t0 = [], 0, time.perf_counter()
    for a in range(addresses):
        ip = f"10.{a // 256}.{a % 256}.1"  # private range: the bench never sends traffic
        key = ipkeys.ip_key(ip)
        t = start
        for _ in range(per_address):
            length = timedelta(minutes=rng.randrange(30, 600))
            batch.append(
                Session(
                    account=rng.choice(accounts),
                    ip_start_key=key,
                    prefix_len=128,
                    address=ip,
                    started_at=t,
                    stopped_at=t + length,
                    source="csv",
                )
            )
            t += length
            made += 1
        if len(batch) >= 20000:
            Session.objects.bulk_create(batch)
            batch.clear()
        if made >= rows:
            break
    Session.objects.bulk_create(batch)
    return made, made / (time.perf_counter() - t0)


def measure(lookups: int, rng: random.Random) -> list[float]:
    from subscribers.selectors import session_at

    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = []
    for _ in range(lookups):
        a = rng.randrange(65536)
        at = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
        t0 = time.perf_counter()
        session_at(ip=f"10.{a // 256}.{a % 256}.1", at=at)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database")
    args = parser.parse_args()
    setup_django(fresh=not args.keep)
    rng = random.Random(7)
    made, rate = load(args.rows, rng)
    if made:
        print(f"loaded {made} sessions at {rate:,.0f} rows/s")
    times = sorted(measure(args.lookups, rng))
    q = statistics.quantiles(times, n=100)
    print(
        f"session_at over {args.lookups} lookups: "
        f"p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, max {times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
