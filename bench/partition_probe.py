"""The session probe on a plain table and on the same rows monthly partitioned.

Not one of run.py's workloads: a side-by-side of what partitioning costs the instant
lookup (subscribers/partitions.py). BENCH_PARTITION_ROWS sessions (1,000,000) of
20,000 addresses over 12 months of 2026, in a plain table and in one laid out like the
migration does (`_old`, 15 months, DEFAULT), each with the (ip_start_key, prefix_len,
started_at) index. For BENCH_PARTITION_PROBES random (address, instant) pairs: client
p50/p95/p99 of the probe, unbounded and with a 31-day lower bound (computed here, so
the planner prunes by it), then the medians of PostgreSQL's planning and execution
time (EXPLAIN ANALYZE). Database `<prefix>_partition_probe`, rebuilt on every run.
"""

from __future__ import annotations

import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import db_create, loadavg, percentile, say, size  # noqa: E402

ROWS = int(size("partition_rows", 1_000_000, 20_000))
PROBES = int(size("partition_probes", 2000, 100))
ADDRESSES = 20_000 if ROWS >= 200_000 else 1000
COLUMNS = (
    "id bigint NOT NULL, ip_start_key varchar(32) NOT NULL, prefix_len smallint NOT NULL, "
    "started_at timestamptz NOT NULL, stopped_at timestamptz, account_id bigint NOT NULL"
)
PROBE = (
    "SELECT id, started_at, stopped_at FROM {table} WHERE ip_start_key = %s AND prefix_len = 128 "
    "AND started_at <= %s {bound} ORDER BY started_at DESC LIMIT 1"
)
BOUND = "AND started_at > %s"


def build(conn) -> None:
    x = conn.execute
    x(f"CREATE TABLE plain ({COLUMNS}, PRIMARY KEY (id))")
    x(f"CREATE TABLE part ({COLUMNS}, PRIMARY KEY (id, started_at)) PARTITION BY RANGE (started_at)")
    x("CREATE TABLE part_old PARTITION OF part FOR VALUES FROM (MINVALUE) TO ('2026-01-01+00')")
    month = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(15):
        following = (month + timedelta(days=32)).replace(day=1)
        x(f"CREATE TABLE part_p{n:02} PARTITION OF part FOR VALUES FROM ('{month:%Y-%m-%d}+00') TO ('{following:%Y-%m-%d}+00')")
        month = following
    x("CREATE TABLE part_default PARTITION OF part DEFAULT")
    per_address = ROWS // ADDRESSES
    x(
        f"INSERT INTO plain SELECT g, lpad(to_hex(g % {ADDRESSES}), 32, '0'), 128, "
        f"'2026-01-01+00'::timestamptz + (g / {ADDRESSES}) * (interval '365 days' / {per_address}) "
        f"+ (g % 97) * interval '1 minute', "
        f"'2026-01-01+00'::timestamptz + (g / {ADDRESSES} + 1) * (interval '365 days' / {per_address}), g % 5000 "
        f"FROM generate_series(0, {ROWS} - 1) g"
    )
    x("INSERT INTO part SELECT * FROM plain")
    for table in ("plain", "part"):
        x(f"CREATE INDEX {table}_range ON {table} (ip_start_key, prefix_len, started_at)")
        x(f"ANALYZE {table}")


def main() -> None:
    import psycopg

    url = db_create("partition_probe")
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        build(conn)
        say(f"partition_probe: {ROWS:,} sessions of {ADDRESSES:,} addresses in {time.perf_counter() - t0:.0f} s")
        rnd = random.Random(7)
        pairs = [
            (f"{rnd.randrange(ADDRESSES):032x}", datetime(2026, rnd.randrange(1, 13), rnd.randrange(1, 28), rnd.randrange(24), tzinfo=UTC))
            for _ in range(PROBES)
        ]
        cases = [("plain", ""), ("part", ""), ("part, 31-day bound", BOUND)]
        for case, bound in cases:
            table = case.split(",")[0]
            sql = PROBE.format(table=table, bound=bound)
            params = [(k, at, at - timedelta(days=31)) if bound else (k, at) for k, at in pairs]
            times = []
            for p in params:
                start = time.perf_counter()
                conn.execute(sql, p).fetchone()
                times.append((time.perf_counter() - start) * 1000)
            planning, execution = [], []
            for p in params[:300]:
                plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN (ANALYZE, SUMMARY ON, TIMING OFF) {sql}", p))
                planning.append(float(re.search(r"Planning Time: ([\d.]+)", plan)[1]))
                execution.append(float(re.search(r"Execution Time: ([\d.]+)", plan)[1]))
            say(
                f"  {case}: p50 {percentile(times, 50):.3f} ms, p95 {percentile(times, 95):.3f} ms, "
                f"p99 {percentile(times, 99):.3f} ms; in PostgreSQL planning {median(planning):.3f} ms + "
                f"execution {median(execution):.3f} ms (medians); load {loadavg():.1f}"
            )


if __name__ == "__main__":
    main()
