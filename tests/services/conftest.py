"""A real Celery worker on Redis, pointed at the test database (make test-services)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a real worker needs PostgreSQL (make test-services)")
    user = s.get("USER") or "root"
    return f"postgres://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture
def worker_env():
    """Extra environment for the worker process (a test may point it at its DNS server)."""
    return {"ABUSEDESK_DNS_SERVERS": "127.0.0.1:9", "ABUSEDESK_DNS_TIMEOUT_MS": "200"}


@pytest.fixture
def worker_kinds():
    """The queue kinds the worker consumes (abusedesk/queues.py); a test may narrow them."""
    from abusedesk.queues import KINDS

    return KINDS


@pytest.fixture
def celery_worker(transactional_db, worker_env, worker_kinds):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("CELERY_BROKER_URL is not a Redis URL (make test-services)")
    import redis

    from abusedesk.celery import app
    from abusedesk.queues import KINDS

    queue = f"test-{uuid.uuid4().hex[:12]}"
    # The run's own prefix: tasks go to "<queue>.<kind>" (unrouted ones to "<queue>",
    # consumed only by a worker that takes every kind).
    consumed = [f"{queue}.{kind}" for kind in worker_kinds]
    if set(worker_kinds) == set(KINDS):
        consumed.append(queue)
    env = dict(os.environ, DATABASE_URL=_database_url(), CELERY_TASK_DEFAULT_QUEUE=queue, **worker_env)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "abusedesk",
            "worker",
            "-P",
            "solo",
            "-Q",
            ",".join(consumed),
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5, destination=None) or []
            if replies:
                break
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}")
        else:
            pytest.fail("celery worker did not answer a ping in 30 s")
        yield app
    finally:
        app.conf.task_default_queue = previous
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for name in [queue, *(f"{queue}.{kind}" for kind in KINDS)]:
            client.delete(name, f"{name}\x06\x161", f"{name}\x06\x162", f"{name}\x06\x163")
            client.delete(f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
