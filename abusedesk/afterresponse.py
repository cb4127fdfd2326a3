"""Work that runs after the response has been sent, without a thread or a broker.

In the default mode (`make run`: no broker, tasks run in-process) a task started from a
view would run inside the request, and DNS evidence for a report can take as long as
its time budget. `after_response(func)` queues such work on the current request; the
middleware runs it when the WSGI server closes the response, which it does after the
last byte went out (runserver, gunicorn). Outside a request (commands, tasks, tests
calling services) nothing is queued: the caller runs the work itself.

If the process dies in between, nothing is lost that a task would not also lose: the
sweeps (`sweep_evidence`, `sweep_sender_authentication`) find reports without evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

logger = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], object]] | None] = ContextVar("after_response", default=None)


def after_response(func: Callable[[], object]) -> bool:
    """Queue `func` to run after the current response is sent. False outside a request."""
    jobs = _pending.get()
    if jobs is None:
        return False
    jobs.append(func)
    return True


def _run(jobs: list[Callable[[], object]]) -> None:
    for job in jobs:
        try:
            job()
        except Exception:  # the response is gone; the sweeps retry what failed
            logger.exception("work after the response failed")


class AfterResponseMiddleware:
    """Collects the request's `after_response` work and runs it when the response is closed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pending.set([])
        try:
            response = self.get_response(request)
        finally:
            jobs = _pending.get() or []
            _pending.reset(token)
        if jobs:
            close = response.close

            def close_then_work():
                # Before Django's own close: its request_finished handlers then close the
                # database connection the work used, as after any request.
                try:
                    _run(jobs)
                finally:
                    close()

            response.close = close_then_work
        return response
