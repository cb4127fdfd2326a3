"""The default setup (`make run`: SQLite file, no broker, tasks in-process) under parallel
filing, against a real threaded runserver: nothing lost, no 5xx, nothing left `received`.

Real threads against a real server and a file database: the test client would
serialise the requests and hide exactly the locking this is about.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.complaints.samples import spam

ROOT = Path(__file__).resolve().parents[2]
PORT = 8113  # this worktree's ports are 8110-8119
PARALLEL = 100
IDENTICAL = 10  # of which this many are the same report, sent at once
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def _env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        ABUSEDESK_DNS_SERVERS="127.0.0.1:9",  # evidence lookups fail fast on a dead loopback port
        ABUSEDESK_DNS_TIMEOUT_MS="200",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def make_run_server(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = _env(db)
    _manage(env, "migrate", "--noinput")
    key = _manage(env, "create_partner", "Receiver ISP", "--rate", "10000/min").strip().splitlines()[-1]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/schema/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("runserver did not answer in 30 s")
        yield {"db": db, "key": key, "log": tmp_path / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _post(key: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/reports/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "message/rfc822", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:500].decode("utf-8", "replace")}


def test_a_hundred_parallel_reports_on_sqlite_are_all_stored_and_processed(make_run_server):
    key = make_run_server["key"]
    unique = [
        spam(origin_ip=f"198.51.100.{i % 250 + 1}", at=AT, message_id=f"<parallel-{i}@pc.invalid>")
        for i in range(PARALLEL - IDENTICAL)
    ]
    same = spam(origin_ip="203.0.113.77", at=AT, message_id="<the-same-one@pc.invalid>")
    bodies = unique + [same] * IDENTICAL
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(lambda b: _post(key, b), bodies))
    elapsed = time.monotonic() - started

    statuses = [code for code, _ in results]
    server_errors = [r for r in results if r[0] >= 500]
    assert not server_errors, (server_errors[:3], make_run_server["log"].read_text()[-3000:])
    assert all(code in (200, 201) for code in statuses), statuses
    # The identical ones: one report, and every answer points at it processed, never `received`.
    same_answers = [body for (code, body), raw in zip(results, bodies, strict=True) if raw is same]
    assert len({body["id"] for body in same_answers}) == 1
    assert all(body["status"] != "received" for _, body in results), [b["status"] for _, b in results]

    with sqlite3.connect(make_run_server["db"]) as db:
        stored = db.execute("SELECT COUNT(*) FROM complaints_report").fetchone()[0]
        left = db.execute("SELECT COUNT(*) FROM complaints_report WHERE status = 'received'").fetchone()[0]
        unattributed = db.execute(
            "SELECT COUNT(*) FROM complaints_report WHERE attributed_at IS NULL"
        ).fetchone()[0]
        unsealed = db.execute("SELECT COUNT(*) FROM abusedesk_auditentry WHERE seq IS NULL").fetchone()[0]
    assert stored == PARALLEL - IDENTICAL + 1
    assert (left, unattributed, unsealed) == (0, 0, 0)
    print(f"\n{PARALLEL} parallel reports: {stored} stored, {stored - left} processed, 0 5xx, {elapsed:.1f} s")
