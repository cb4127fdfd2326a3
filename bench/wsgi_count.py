"""A WSGI wrapper that counts the SQL statements each request runs.

Generic Django: the desk, the peer (bench/peer) and the bare insert (bench/bare)
are all served through it, so their statement counts are counted the same way.
Each worker writes its totals to $BENCH_COUNT_DIR/<pid>.json when gunicorn stops it
(bench/gunicorn_conf.py); counting costs one Python call per statement.
"""

from __future__ import annotations

import json
import os
import threading

from django.core.wsgi import get_wsgi_application
from django.db import connections

_app = get_wsgi_application()
_lock = threading.Lock()
totals = {"requests": 0, "statements": 0}


def application(environ, start_response):
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(counter):
        response = _app(environ, start_response)
    with _lock:
        totals["requests"] += 1
        totals["statements"] += count[0]
    return response


def dump() -> None:
    folder = os.environ.get("BENCH_COUNT_DIR")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as f:
            json.dump(totals, f)
