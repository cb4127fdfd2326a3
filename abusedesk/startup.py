"""What a web process does once its application is loaded: load the URLconf (every
view module), then set the cyclic garbage collector for serving pages. A Celery
worker process sets it the same way when it starts (abusedesk/celery.py).

CPython's collector runs whenever 700 more container objects have been made than
freed, and every so often walks every tracked object of the process. A desk worker
holds over a hundred thousand of them from start-up (Django, the apps, the URLconf,
translations), none of which ever become garbage, and a page that builds many objects
(a case with thousands of reports, the review queue) set off such collections within
its own request: measured at 1 M reports, the case page's slowest fetches spent 80-160
ms in the collector (bench/README.md, pages). Two settings, as large Python web
services use them:

- `gc.freeze()` puts what exists now into the permanent generation, which collections
  skip; objects made later are collected as usual. With gunicorn's default (no
  preload) each worker imports the WSGI module and freezes its own heap; with
  `preload_app` the workers inherit the master's frozen heap, and since the collector
  no longer writes to those objects their copy-on-write pages stay shared.
- A young-generation threshold of GC_YOUNG_THRESHOLD instead of 700: a request's
  short-lived objects are freed by reference counting long before a collection would
  look at them; what a collection costs grows with the objects alive, not with how
  often it runs, so fewer runs cost less. Cyclic garbage waits a little longer.
"""

from __future__ import annotations

import gc

GC_YOUNG_THRESHOLD = 10_000


def web_process_ready() -> int:
    """Import every view module, then set the collector; the number of objects frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)
    return _set_collector()


def worker_process_ready() -> int:
    """The same for a Celery worker process (its tasks are imported before the fork):
    a task that parses a report or evaluates a case builds as many objects as a page."""
    return _set_collector()


def _set_collector() -> int:
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    return gc.get_freeze_count()
