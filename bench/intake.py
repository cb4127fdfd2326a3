"""Workload 1a: partner intake side by side with django-helpdesk and a bare DRF insert.

Each target runs under the same gunicorn (bench/gunicorn_conf.py: 2 workers x 4
threads, gthread) on its own PostgreSQL database, and wrk (C, 2 threads,
concurrency 8) posts bodies never sent before (bench/intake.lua). Rounds alternate
the targets so a burst of load from the machine's other users hits all of them.

Per target: req/s, p50/p95/p99, CPU ms per request of the server processes and of
their PostgreSQL backends (from /proc), SQL statements per request (counted in the
server by bench/wsgi_count.py), transactions per request (pg_stat_database), the
load generator's own CPU, and the stored row count checked against the responses.

The desk runs with a broker configured and no worker, so what is measured is the
request path: whatever it defers is queued in Redis (and purged afterwards).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BENCH,
    BROKER_URL,
    DB_PREFIX,
    PORT,
    ROOT,
    CpuMeter,
    Process,
    db_backend_pids,
    db_copy,
    db_name,
    db_template,
    db_transactions,
    db_url,
    demo_template,
    django_env,
    emit,
    loadavg,
    median,
    port_free,
    run_manage,
    say,
    size,
    wait_port,
)

SECONDS = size("intake_seconds", 15, 2)
ROUNDS = size("intake_rounds", 2, 1)
CONCURRENCY = size("concurrency", 8, 8)
WARMUP = size("intake_warmup", 3, 1)
PEER_PYTHON = BENCH / ".peer-venv" / "bin" / "python"
QUEUE = f"{DB_PREFIX}_intake"


@dataclass
class Target:
    name: str
    db: str
    path: str
    kind: str
    python: Path
    cwd: Path
    env: dict
    table: str
    token: str = ""
    queue: str = "0"


def _psql(db: str, query: str) -> str:
    import psycopg

    with psycopg.connect(db_url(db), autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None


def prepare_desk() -> Target:
    # The demo's inventory, sessions and criteria (the pipeline needs them), from a template.
    url = db_copy("intake", demo_template())
    out = run_manage(url, "create_partner", "bench-partner", "--rate", "100000000/min")
    env = django_env(url, CELERY_BROKER_URL=BROKER_URL, CELERY_TASK_DEFAULT_QUEUE=QUEUE)
    return Target(
        "desk",
        "intake",
        "/api/v1/reports/",
        "raw",
        Path(sys.executable),
        ROOT,
        env,
        "complaints_report",
        token=out.strip().splitlines()[-1],
    )


PEER_SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
user = get_user_model().objects.create_superuser("bench", "bench@example.net", None)
queue = Queue.objects.create(title="Abuse", slug="abuse", allow_public_submission=True)
print(Token.objects.create(user=user).key, queue.pk)
"""

BARE_SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("bench")
print(Token.objects.create(user=user).key)
"""


def _django_child(python: Path, cwd: Path, env: dict, *args: str) -> str:
    return subprocess.run(
        [str(python), "-m", "django", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def _last_line(text: str) -> str:
    # `shell -c` also prints how many objects it imported; what we printed comes last.
    return text.strip().splitlines()[-1]


def _child_template(name: str, python: Path, cwd: Path, setup: str) -> None:
    """A template of a peer's (or the bare app's) migrated database with its setup run."""
    key = _files_key(cwd) + subprocess.run([str(python), "--version"], capture_output=True, text=True).stdout

    def build(url: str) -> None:
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="settings",
            **{f"{name.upper()}_DATABASE_NAME": db_name(f"tpl_{name}")},
        )
        _django_child(python, cwd, env, "migrate", "--noinput")
        _django_child(python, cwd, env, "shell", "-c", setup)

    db_copy(name, db_template(name, key, build))


def _files_key(folder: Path) -> str:
    import hashlib

    files = sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()[:16]


def prepare_peer() -> Target | None:
    if not PEER_PYTHON.exists():
        say("peer: bench/.peer-venv is missing (run bench/peer/setup.sh); skipped")
        return None
    cwd = BENCH / "peer"
    _child_template("peer", PEER_PYTHON, cwd, PEER_SETUP)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings", PEER_DATABASE_NAME=db_name("peer"))
    token = _psql("peer", "SELECT key FROM authtoken_token")
    queue = str(_psql("peer", "SELECT id FROM helpdesk_queue WHERE slug = 'abuse'"))
    return Target(
        "helpdesk",
        "peer",
        "/api/tickets/",
        "helpdesk",
        PEER_PYTHON,
        cwd,
        env,
        "helpdesk_ticket",
        token=token,
        queue=queue,
    )


def prepare_bare() -> Target:
    cwd = BENCH / "bare"
    _child_template("bare", Path(sys.executable), cwd, BARE_SETUP)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings", BARE_DATABASE_NAME=db_name("bare"))
    token = _psql("bare", "SELECT key FROM authtoken_token")
    return Target(
        "bare DRF", "bare", "/rows/", "row", Path(sys.executable), cwd, env, "rows_row", token=token
    )


WRK_THREADS = 2


def wrk(target: Target, seconds: int, seed: str, rate: int = 0) -> dict:
    """wrk's figures for `seconds` of posts; `rate` > 0 paces them to that many per second."""
    cmd = [
        "wrk", f"-t{WRK_THREADS}", f"-c{CONCURRENCY}", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(BENCH / "intake.lua"), f"http://127.0.0.1:{PORT}{target.path}",
        "--", target.kind, seed, target.token, target.queue, str(rate), str(WRK_THREADS),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.splitlines() if x.startswith("WRK-JSON "))
    result = json.loads(line.removeprefix("WRK-JSON "))
    result["wrk_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def measure(target: Target, round_no: int) -> dict:
    port_free(PORT)
    counts = Path(tempfile.mkdtemp(prefix="bench-counts-"))
    env = dict(
        target.env, BENCH_COUNT_DIR=str(counts), BENCH_PORT=str(PORT), PYTHONPATH=f"{BENCH}:{target.cwd}"
    )
    rows_before = int(_psql(target.db, f"SELECT count(*) FROM {target.table}"))
    xacts_before = db_transactions(target.db)
    server = Process(
        [str(target.python), "-m", "gunicorn", "-c", str(BENCH / "gunicorn_conf.py"), "wsgi_count:application"],
        env=env, cwd=target.cwd, log=Path(tempfile.gettempdir()) / f"{DB_PREFIX}-{target.db}-gunicorn.log",
    )  # fmt: skip
    try:
        wait_port(PORT)
        seed = f"{int(time.time())}{os.getpid()}{round_no}"
        wrk(target, WARMUP, seed + "w")
        app, db = CpuMeter(), CpuMeter()
        app.begin(server.tree())
        db.begin(db_backend_pids(target.db))
        load = loadavg()
        result = wrk(target, SECONDS, seed)
        app_cpu = app.used(server.tree())
        db_cpu = db.used(db_backend_pids(target.db))
    finally:
        server.stop()
    time.sleep(0.5)
    xacts = db_transactions(target.db) - xacts_before
    totals = {"requests": 0, "statements": 0}
    for file in counts.glob("*.json"):
        data = json.loads(file.read_text())
        totals["requests"] += data["requests"]
        totals["statements"] += data["statements"]
    rows = int(_psql(target.db, f"SELECT count(*) FROM {target.table}")) - rows_before
    n = max(result["requests"], 1)
    ok = result["status_201"] + result["status_202"]
    served = max(totals["requests"], 1)
    return {
        "target": target.name,
        "round": round_no,
        "load": load,
        "req_s": result["requests"] / result["seconds"],
        "p50_ms": result["p50_ms"],
        "p95_ms": result["p95_ms"],
        "p99_ms": result["p99_ms"],
        "app_cpu_ms": app_cpu * 1000 / n,
        "db_cpu_ms": db_cpu * 1000 / n,
        "wrk_cpu_ms": result["wrk_cpu_s"] * 1000 / n,
        "sql_per_req": totals["statements"] / served,
        "xact_per_req": xacts / served,
        "requests": result["requests"],
        "created": ok,
        "replayed": result["status_200"],
        "failed": result["status_other"] + result["socket_errors"],
        # Requests of the warm-up and the measured run, all stored once each: rows added
        # must equal what the server answered (in-flight ones at the end included).
        "rows_added": rows,
        "rows_expected": totals["requests"],
    }


def purge_queue_named(name: str) -> None:
    """Drop what a run left queued (nothing consumes the bench's queues afterwards)."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


def purge_queue() -> None:
    purge_queue_named(QUEUE)


def main() -> None:
    say(
        f"intake: {ROUNDS} round(s) of {SECONDS} s per target, concurrency {CONCURRENCY}, gunicorn 2x4 gthread"
    )
    # The three databases are prepared side by side (child processes; the peer's and the
    # bare app's come from templates after the first run).
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(prepare) for prepare in (prepare_desk, prepare_peer, prepare_bare)]
        targets = [t for t in (f.result() for f in futures) if t is not None]
    runs: list[dict] = []
    try:
        for round_no in range(1, ROUNDS + 1):
            for target in targets:
                run = measure(target, round_no)
                runs.append(run)
                say(
                    f"  round {round_no} {run['target']:9s} {run['req_s']:7.1f} req/s  p50 {run['p50_ms']:6.1f} ms"
                    f"  p95 {run['p95_ms']:6.1f} ms  app {run['app_cpu_ms']:5.1f} + db {run['db_cpu_ms']:4.1f} CPU"
                    f" ms/req  {run['sql_per_req']:4.1f} SQL  {run['xact_per_req']:4.1f} xact  rows "
                    f"{run['rows_added']}/{run['rows_expected']}  failed {run['failed']}  load {run['load']}"
                )
    finally:
        purge_queue()
    for target in targets:
        mine = [r for r in runs if r["target"] == target.name]
        summary = {k: median(r[k] for r in mine) for k in mine[0] if isinstance(mine[0][k], float)}
        summary.update(
            rounds=len(mine),
            failed=sum(r["failed"] for r in mine),
            rows_ok=all(r["rows_added"] == r["rows_expected"] for r in mine),
            replayed=sum(r["replayed"] for r in mine),
        )
        emit("intake", target.name, **summary)


if __name__ == "__main__":
    main()
