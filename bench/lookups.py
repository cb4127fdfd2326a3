"""Workload 3: "who held this address at this instant" at 10 M session rows on PostgreSQL.

Runs on the imports database, whose session table bench/imports.py leaves holding
the big session file (COPY of its rows); loads them itself if they are missing.
Times `subscribers.selectors.session_at`, the selector attribution uses, for
BENCH_LOOKUPS random (address, instant) pairs in the file's pool and month, and
prints the EXPLAIN of the probe it runs.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datagen, imports  # noqa: E402
from bench.common import db_exists, db_url, django_setup, emit, loadavg, percentile, say, size  # noqa: E402

LOOKUPS = size("lookups", 5000, 300)


def ensure_sessions() -> int:
    if not db_exists(imports.DB):
        imports.prepare()
    have = imports.scalar("SELECT count(*) FROM subscribers_session")
    _path, rows = datagen.sessions(imports.SESSION_LINES)
    if have < imports.SESSION_LINES * 0.99 - imports.SESSION_LINES // datagen.BAD_EVERY:
        with imports.connect() as conn:
            conn.execute("TRUNCATE subscribers_session")
        imports._copy_sessions(rows)
        with imports.connect() as conn:
            conn.execute(
                "INSERT INTO subscribers_sessionprefixlength (prefix_len) VALUES (128) ON CONFLICT DO NOTHING"
            )
            conn.execute("ANALYZE subscribers_session")
    return imports.scalar("SELECT count(*) FROM subscribers_session")


def main() -> None:
    rows = ensure_sessions()
    django_setup(db_url(imports.DB))
    from django.db import connection

    from subscribers.selectors import session_at, session_at_statement

    rng = random.Random(23)
    pool = datagen.POOL
    span_minutes = int(rows / pool.num_addresses * 315)  # mean session 5 h 15 min
    pairs = [
        (
            str(pool[rng.randrange(pool.num_addresses)]),
            datagen.START + timedelta(minutes=rng.randrange(span_minutes)),
        )
        for _ in range(LOOKUPS)
    ]
    for ip, at in pairs[:50]:  # warm the connection and the index's upper levels
        session_at(ip=ip, at=at)
    load = loadavg()
    times, found = [], 0
    for ip, at in pairs:
        t0 = time.perf_counter()
        session = session_at(ip=ip, at=at)
        times.append((time.perf_counter() - t0) * 1000)
        found += session is not None
    ip, at = pairs[0]
    # The one statement session_at runs: a descent of session_range_start per length in use.
    sql, params = session_at_statement(ip=ip, at=at)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    index_probe = "session_range_start" in plan and "Seq Scan on subscribers_session " not in plan
    p50, p95, p99 = (percentile(times, p) for p in (50, 95, 99))
    say(f"  session_at over {rows:,} sessions, {LOOKUPS:,} lookups ({found:,} held): p50 {p50:.2f} ms, "
        f"p95 {p95:.2f} ms, p99 {p99:.2f} ms")  # fmt: skip
    say("  EXPLAIN of the statement:\n    " + plan.replace("\n", "\n    "))
    emit("lookups", "session_at", rows=rows, lookups=LOOKUPS, p50_ms=p50, p95_ms=p95, p99_ms=p99,
         index_probe=index_probe, load=load)  # fmt: skip


if __name__ == "__main__":
    main()
