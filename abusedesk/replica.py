"""Reads of the pages that only read (queues, dashboards, dossiers) from a read replica.

When REPLICA_DATABASE_URL is set, settings add a `replica` database alias. A view
marked with `read_only_page` runs its GET (and HEAD) with replica reads on: the
router then sends reads to `replica`. Everything else reads from `default`:

- every write, and every read inside a transaction on `default` (a service that
  reads, then writes, such as the audit chain's seal, sees its own writes);
- every other view, the middleware before the view (session, user), commands and
  tasks;
- a browser that wrote something in the last REPLICA_PIN_SECONDS (a cookie set on
  each POST), so the queue after a bulk action shows the action although the
  replica lags a little behind.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "abusedesk_primary"
_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Reads inside this block may come from the replica (when one is configured)."""
    token = _reads_from_replica.set(True)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


def read_only_page(view):
    """Decorate a view whose GET only reads: its reads go to the replica."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.COOKIES.get(PIN_COOKIE):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaPinMiddleware:
    """After a browser's write, its next reads come from the primary for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        seconds = settings.REPLICA_PIN_SECONDS
        if request.method not in ("GET", "HEAD", "OPTIONS") and seconds and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax",
                                secure=request.is_secure())  # fmt: skip
        return response


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: replica reads only where `replica_reads` is on."""

    def db_for_read(self, model, **hints):
        if _reads_from_replica.get() and replica_configured() and not connections["default"].in_atomic_block:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from one may refer to the other's.
        return {obj1._state.db, obj2._state.db} <= {"default", REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
