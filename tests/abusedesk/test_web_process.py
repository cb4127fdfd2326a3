"""A web process (the WSGI or ASGI module, as gunicorn imports it) starts with every
view module loaded, its start-up heap frozen out of the garbage collector's walks and
a young-generation threshold for serving pages (abusedesk/startup.py); a Celery pool
process sets the collector the same way when it starts.

Run in a fresh interpreter each: the settings change the whole process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from abusedesk.startup import GC_YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, sys
before = gc.get_threshold()
import {module}
print(json.dumps({{
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold(),
    "default": before,
    "views": [m for m in ("complaints.views", "sanctions.views", "dashboards.views") if m in sys.modules],
}}))
"""


@pytest.mark.parametrize("module", ["abusedesk.wsgi", "abusedesk.asgi"])
def test_a_web_process_freezes_its_start_up_heap_and_raises_the_young_threshold(module, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])

    assert seen["frozen"] > 50_000  # Django, the apps and the URLconf
    assert seen["views"] == ["complaints.views", "sanctions.views", "dashboards.views"]
    assert seen["default"][0] == 700
    assert seen["threshold"] == [GC_YOUNG_THRESHOLD, *seen["default"][1:]]


WORKER_PROBE = """
import gc, json, os
import django
django.setup()
from abusedesk.celery import app
from celery.signals import worker_process_init
before = (gc.get_freeze_count(), gc.get_threshold())
worker_process_init.send(sender=None)
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def test_a_celery_pool_process_sets_the_collector_when_it_starts(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "abusedesk.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", WORKER_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])

    assert seen["before"] == [0, [700, 10, 10]]
    assert seen["frozen"] > 50_000
    assert seen["threshold"] == [GC_YOUNG_THRESHOLD, 10, 10]
