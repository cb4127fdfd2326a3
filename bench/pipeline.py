"""Workload 1b: reports per second from the API to attributed, with real Celery workers.

The desk's database from bench/intake.py (demo inventory and criteria) is used again.
gunicorn (2x4) and BENCH_WORKERS (2) Celery worker processes share the machine with
PostgreSQL; wrk posts fresh reports for BENCH_PIPELINE_SECONDS, then the bench waits
(at most BENCH_PIPELINE_DRAIN seconds) for every report to be attributed.

reports/s = reports attributed / (last attributed_at - first received_at), and the rate
from the first attribution to the last (a paced round that keeps up shows its pace
there); report-to-attributed = attributed_at - received_at per report (both written by the
database's clock), with the p50 of the first and of the last tenth received (a wait that
grows over the round is a backlog building up). Evidence collection is off: DNS is
workload 5.

CPU per report (from /proc, over the round and its drain): the web tier (gunicorn's
processes), the workers (Celery's), PostgreSQL (the whole server: a quiet machine's). What
the machine's other load does to the throughput barely moves these, so they compare
two versions of the code on a shared machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import intake  # noqa: E402
from bench.common import (  # noqa: E402
    BENCH,
    BROKER_URL,
    DB_PREFIX,
    PORT,
    SMOKE,
    CpuMeter,
    Process,
    db_exists,
    db_url,
    django_env,
    emit,
    loadavg,
    percentile,
    port_free,
    postgres_pids,
    say,
    size,
    wait_port,
)

SECONDS = size("pipeline_seconds", 30, 4)
# 0: post as fast as the API answers (the workers' capacity under a flood). N > 0: post
# N reports per second, steadily (does processing keep up with that rate, and how long
# does a report wait?). BENCH_PIPELINE_RATES (default 0,100: the flood, then the target's
# rate) runs one round per rate, each after the one before has drained.
RATES = [int(r) for r in os.environ.get("BENCH_PIPELINE_RATES", "0,100").split(",") if r.strip()]
DRAIN = size("pipeline_drain", 120, 60)
WORKERS = size("workers", 2, 2)
QUEUE = f"{DB_PREFIX}_pipeline"


def queues(env: dict) -> str:
    """Every queue the app routes to: one per kind (abusedesk/queues.py) and the default one."""
    import subprocess

    code = (
        "from abusedesk.celery import app; import django; django.setup(); "
        "from abusedesk.queues import all_queues; "
        "print(','.join([app.conf.task_default_queue, *all_queues(app=app)]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=intake.ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    import psycopg

    if not db_exists("intake"):
        intake.prepare_desk()
    url = db_url("intake")
    out = intake.run_manage(
        url, "create_partner", f"bench-pipeline-{int(time.time())}", "--rate", "100000000/min"
    )
    token = out.strip().splitlines()[-1]
    env = django_env(url, CELERY_BROKER_URL=BROKER_URL, CELERY_TASK_DEFAULT_QUEUE=QUEUE)
    consumed = queues(env)
    say(f"pipeline: {SECONDS} s of intake per round ({', '.join(str(r or 'flood') for r in RATES)}) with {WORKERS} "
        f"Celery worker processes (queues {consumed})")  # fmt: skip
    target = intake.Target("desk", "intake", "/api/v1/reports/", "raw", Path(sys.executable), intake.ROOT,
                           env, "complaints_report", token=token)  # fmt: skip
    port_free(PORT)
    log_dir = Path(tempfile.gettempdir())
    server = Process(
        [sys.executable, "-m", "gunicorn", "-c", str(BENCH / "gunicorn_conf.py"), "wsgi_count:application"],
        env=dict(env, BENCH_PORT=str(PORT), PYTHONPATH=f"{BENCH}:{intake.ROOT}"), log=log_dir / f"{QUEUE}-web.log",
    )  # fmt: skip
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "abusedesk", "worker", "--concurrency", str(WORKERS),
         "--queues", consumed, "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--hostname", f"{QUEUE}@%h"],
        env=env, log=log_dir / f"{QUEUE}-worker.log",
    )  # fmt: skip
    try:
        wait_port(PORT)
        with psycopg.connect(url, autocommit=True) as conn:
            begun = conn.execute("SELECT now()").fetchone()[0]
        intake.wrk(target, intake.WARMUP + 2, f"{int(time.time())}w")  # start-up of web and workers
        rounds = []
        for rate in RATES:
            # Each round starts with nothing left over (the warm-up's or the round before).
            with psycopg.connect(url, autocommit=True) as conn:
                _drained(conn, begun, time.monotonic() + DRAIN)
            time.sleep(1 if SMOKE else 2)
            rounds.append((rate, *_round(url, target, rate, server=server, worker=worker)))
    finally:
        worker.signal_stop()  # both shut down at once
        server.stop()
        worker.stop()
        intake.purge_queue_named(QUEUE)
    for rate, result, rows, load, cpu in rounds:
        _figures(rate, result, rows, load, cpu)


def _drained(conn, since, deadline: float) -> None:
    """Wait until every report received since `since` is attributed (or the deadline)."""
    while time.monotonic() < deadline:
        left = conn.execute(
            "SELECT count(*) FROM complaints_report WHERE received_at >= %s AND attributed_at IS NULL "
            "AND status NOT IN ('manual_triage')",
            [since],
        ).fetchone()[0]
        if left == 0:
            return
        time.sleep(1)


def _round(url: str, target, rate: int, *, server: Process, worker: Process) -> tuple:
    """SECONDS of posts (paced to `rate` per second, or as fast as answered), then the
    drain: wrk's figures, (received_at, attributed_at) of the round's reports, the load,
    the CPU seconds of the web tier, the workers and PostgreSQL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        since = conn.execute("SELECT now()").fetchone()[0]
    load = loadavg()
    queued_before = _evaluations_queued(url)
    web, work, db = CpuMeter(), CpuMeter(), CpuMeter()
    web.begin(server.tree()), work.begin(worker.tree()), db.begin(postgres_pids())
    result = intake.wrk(target, SECONDS, f"{int(time.time())}p{rate}", rate=rate)
    with psycopg.connect(url, autocommit=True) as conn:
        _drained(conn, since, time.monotonic() + DRAIN)
        cpu = (web.used(server.tree()), work.used(worker.tree()), db.used(postgres_pids()))
        time.sleep(1)  # PostgreSQL's table counters are flushed within a second
        cpu = (*cpu, _evaluations_queued(url) - queued_before)
        rows = conn.execute(
            "SELECT received_at, attributed_at FROM complaints_report WHERE received_at >= %s", [since]
        ).fetchall()
    return result, rows, load, cpu


def _evaluations_queued(url: str) -> int:
    """Cases' evaluations queued so far (rows written to the queue's table: one per
    evaluation sent to the workers), from PostgreSQL's counters."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sanctions_queuedevaluation'"
        ).fetchone()
    return int(row[0]) if row else 0


def _figures(rate: int, result: dict, rows: list, load: float, cpu: tuple) -> None:
    posted = result["status_201"] + result["status_202"]
    done = [(r, a) for r, a in rows if a is not None]
    if not done:
        raise RuntimeError("no report was attributed: are the workers running the right queues?")
    first, last = min(r for r, _ in done), max(a for _, a in done)
    end_to_end = len(done) / max((last - first).total_seconds(), 1e-9)
    # The rate attributions came out at, first to last: a paced round that keeps up
    # shows its pace here, where the end-to-end figure also counts the first report's
    # wait and the last one's.
    out = sorted(a for _, a in done)
    sustained = len(done) / max((out[-1] - out[0]).total_seconds(), 1e-9)
    delays = [(a - r).total_seconds() for r, a in done]
    p50, p95 = percentile(delays, 50), percentile(delays, 95)
    # Does the wait grow over the round (a backlog building up)? The p50 of the first and
    # of the last tenth of the reports, in the order they were received.
    by_arrival = [(a - r).total_seconds() for r, a in sorted(done)]
    tenth = max(len(by_arrival) // 10, 1)
    early, late = percentile(by_arrival[:tenth], 50), percentile(by_arrival[-tenth:], 50)
    offered = f"paced at {rate}/s" if rate else "as fast as answered"
    web_ms, worker_ms, db_ms = (1000 * seconds / max(len(rows), 1) for seconds in cpu[:3])
    evaluations = cpu[3] / max(len(rows), 1)
    say(f"  {offered}: {len(done)}/{len(rows)} reports attributed ({posted} accepted by the API at "
        f"{result['requests'] / result['seconds']:.1f} req/s): {end_to_end:.1f} reports/s end to end "
        f"({sustained:.1f}/s first to last attributed), report-to-attributed p50 {p50:.1f} s, p95 {p95:.1f} s "
        f"(p50 {early:.1f} s for the first tenth received, {late:.1f} s for the last); CPU per report: web {web_ms:.1f} ms, "
        f"workers {worker_ms:.1f} ms, PostgreSQL {db_ms:.1f} ms; {evaluations:.2f} case evaluations queued "
        f"per report")  # fmt: skip
    what = f"API to attributed, paced {rate}/s" if rate else "API to attributed"
    emit("pipeline", what, reports_s=end_to_end, sustained_s=sustained, p50_s=p50, p95_s=p95,
         p50_first_tenth_s=early, p50_last_tenth_s=late, attributed=len(done), stored=len(rows),
         accepted=posted, intake_req_s=result["requests"] / result["seconds"], load=load,
         web_cpu_ms=web_ms, worker_cpu_ms=worker_ms, db_cpu_ms=db_ms, evaluations=evaluations)  # fmt: skip


if __name__ == "__main__":
    main()
