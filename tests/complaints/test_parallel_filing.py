"""The default setup (`make run`: SQLite file, no broker, tasks in-process) under parallel
filing, against a real threaded runserver: nothing lost, no 5xx, nothing left `received`.

Real threads against a real server and a file database: the test client would
serialise the requests and hide exactly the locking this is about.
"""

from __future__ import annotations

import json
import os
import socket
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
PARALLEL = 100
IDENTICAL = 10  # of which this many are the same report, sent at once
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def _env(db: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        ABUSEDESK_DNS_SERVERS="127.0.0.1:9",  # evidence lookups fail fast on a dead loopback port
        ABUSEDESK_DNS_TIMEOUT_MS="200",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _serve(tmp_path, **extra: str):
    db = tmp_path / "db.sqlite3"
    env = _env(db, **extra)
    _manage(env, "migrate", "--noinput")
    key = _manage(env, "create_partner", "Receiver ISP", "--rate", "10000/min").strip().splitlines()[-1]
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
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
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schema/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("runserver did not answer in 30 s")
        yield {"db": db, "env": env, "key": key, "log": tmp_path / "server.log", "url": f"http://127.0.0.1:{port}"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def make_run_server(tmp_path):
    yield from _serve(tmp_path)


@pytest.fixture
def impatient_server(tmp_path):
    """The same server with a writer giving up on SQLite's lock after 1 s instead of 20."""
    yield from _serve(tmp_path, ABUSEDESK_SQLITE_BUSY_TIMEOUT="1")


def _post_once(url: str, key: str, body: bytes) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        f"{url}/api/v1/reports/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "message/rfc822", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:500].decode("utf-8", "replace")}, dict(exc.headers)


BUSY_ANSWERS: list[int] = []


def _post(url: str, key: str, body: bytes) -> tuple[int, dict]:
    """As a partner's client does: a 503 (the database busy) is tried again after its
    Retry-After, a few times; anything else is the answer."""
    for _ in range(5):
        code, answer, headers = _post_once(url, key, body)
        if code != 503:
            return code, answer
        BUSY_ANSWERS.append(code)
        time.sleep(min(int(headers.get("Retry-After", "5")), 5))
    return code, answer


def test_a_hundred_parallel_reports_on_sqlite_are_all_stored_and_processed(make_run_server):
    key, url = make_run_server["key"], make_run_server["url"]
    BUSY_ANSWERS.clear()
    unique = [
        spam(origin_ip=f"198.51.100.{i % 250 + 1}", at=AT, message_id=f"<parallel-{i}@pc.invalid>")
        for i in range(PARALLEL - IDENTICAL)
    ]
    same = spam(origin_ip="203.0.113.77", at=AT, message_id="<the-same-one@pc.invalid>")
    bodies = unique + [same] * IDENTICAL
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(lambda b: _post(url, key, b), bodies))
    elapsed = time.monotonic() - started

    statuses = [code for code, _ in results]
    server_errors = [r for r in results if r[0] >= 500]
    assert not server_errors, (server_errors[:3], make_run_server["log"].read_text()[-3000:])
    assert all(code in (200, 201) for code in statuses), statuses
    # The identical ones: one report, and every answer points at it processed, never `received`.
    same_answers = [body for (code, body), raw in zip(results, bodies, strict=True) if raw is same]
    assert len({body["id"] for body in same_answers}) == 1
    # Processing that waits past SQLite's busy timeout (a slow or loaded machine) leaves
    # the stored report `received` for the recovery, as designed: the exception, and
    # the recovery (beat, the next request, or the command) finishes it.
    waiting = [body["id"] for _, body in results if body["status"] == "received"]
    assert len(waiting) <= PARALLEL // 10, [b["status"] for _, b in results]
    if waiting:
        recovered = _manage(make_run_server["env"], "recover_stale_work", "--older-than", "0")
        assert "process:" in recovered, recovered

    with sqlite3.connect(make_run_server["db"]) as db:
        stored = db.execute("SELECT COUNT(*) FROM complaints_report").fetchone()[0]
        left = db.execute("SELECT COUNT(*) FROM complaints_report WHERE status = 'received'").fetchone()[0]
        unattributed = db.execute(
            "SELECT COUNT(*) FROM complaints_report WHERE attributed_at IS NULL"
        ).fetchone()[0]
        unsealed = db.execute("SELECT COUNT(*) FROM abusedesk_auditentry WHERE seq IS NULL").fetchone()[0]
    assert stored == PARALLEL - IDENTICAL + 1
    assert (left, unattributed, unsealed) == (0, 0, 0)
    print(
        f"\n{PARALLEL} parallel reports: {stored} stored, {stored - left} processed "
        f"({len(waiting)} by the recovery), 0 5xx after "
        f"{len(BUSY_ANSWERS)} busy answers (503) tried again, {elapsed:.1f} s"
    )


def test_a_lock_held_past_the_busy_timeout_answers_503_with_retry_after_and_stores_nothing(impatient_server):
    key, url, db = impatient_server["key"], impatient_server["url"], impatient_server["db"]
    body = spam(origin_ip="203.0.113.78", at=AT, message_id="<while-locked@pc.invalid>")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock (a long import, say)
        code, answer, headers = _post_once(url, key, body)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 503, (code, answer, impatient_server["log"].read_text()[-2000:])
    assert json.loads(answer["error"])["code"] == "database_busy"
    assert headers.get("Retry-After") == "5"
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT COUNT(*) FROM complaints_report").fetchone()[0] == 0
    # Tried again once the lock is gone, as Retry-After says: stored once and processed.
    code, answer, _ = _post_once(url, key, body)
    assert code == 201, (code, answer)
    assert answer["status"] != "received"
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT COUNT(*) FROM complaints_report").fetchone()[0] == 1
