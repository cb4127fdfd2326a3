"""Finish work that was left behind: reports never processed, mail never sent.

A report is committed before anything else happens, and mail is recorded before it
is sent, so a crash, a broker outage or a killed worker leaves rows that say what is
still owed. This finds them and hands them to the tasks again. Every task claims its
work (a report's status, a message's claim), so handing one over twice does no harm.

Three callers: the beat schedule (every minute, with a broker), the next report or
staff request when there is no beat (`recovery_if_due`, rate-limited), and
`manage.py recover_stale_work` on demand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from abusedesk.mail import MAX_AUTOMATIC_ATTEMPTS, claimable, next_attempt_due
from complaints.choices import ReportStatus
from complaints.models import Forward, Reply, Report

from .drain import drains_enabled, stale_received_hand_over

logger = logging.getLogger(__name__)

# Work younger than this is probably still in the queue: leave it to its task.
STALE_SECONDS = 30
# Mail owed for longer than this is no longer worth sending automatically.
MAIL_HORIZON = timedelta(days=7)
CHECK_KEY = "abusedesk:recovery:checked"


def _due(rows) -> list[int]:
    return [r.pk for r in rows if next_attempt_due(r.attempts, r.last_attempt_at)]


# Other apps' work left behind (the sanctions' instructions and notices): each registers,
# when it starts (AppConfig.ready), a finder and the task of each kind it finds, so
# complaints imports none of them.
_FINDERS: list = []
_TASKS: dict = {}


def recovery_register(finder, tasks: dict) -> None:
    """`finder(stale=, horizon=, batch=)` returns {kind: ids, oldest first}; `tasks` maps
    each kind to the Celery task that takes one id."""
    if finder not in _FINDERS:
        _FINDERS.append(finder)
    _TASKS.update(tasks)


def stale_work_find(*, stale_seconds: int = STALE_SECONDS, batch: int = 500) -> dict[str, list[int]]:
    """Ids of the work left behind, oldest first, at most `batch` of each kind."""
    now = timezone.now()
    stale = now - timedelta(seconds=stale_seconds)
    horizon = now - MAIL_HORIZON
    unsent = {"attempts__lt": MAX_AUTOMATIC_ATTEMPTS}
    found = {
        "process": list(
            Report.objects.filter(status=ReportStatus.RECEIVED, received_at__lt=stale)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)[:batch]
        ),
        "attribute": list(
            Report.objects.filter(
                status__in=(ReportStatus.PARSED, ReportStatus.MANUAL_TRIAGE),
                attributed_at__isnull=True,
                received_at__lt=stale,
            )
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)[:batch]
        ),
        "acknowledge": list(
            Report.objects.filter(
                ack_pending=True,
                acknowledged_at__isnull=True,
                received_at__lt=stale,
                received_at__gte=horizon,
            )
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)[:batch]
        ),
        "forward": _due(
            Forward.objects.filter(claimable(), requested_at__lt=stale, requested_at__gte=horizon, **unsent)
            .order_by("requested_at", "pk")
            .only("pk", "attempts", "last_attempt_at")[:batch]
        ),
        "reply": _due(
            Reply.objects.filter(claimable(), requested_at__lt=stale, requested_at__gte=horizon, **unsent)
            .order_by("requested_at", "pk")
            .only("pk", "attempts", "last_attempt_at")[:batch]
        ),
    }
    for finder in _FINDERS:
        found.update(finder(stale=stale, horizon=horizon, batch=batch))
    return found


def stale_work_recover(
    *, stale_seconds: int = STALE_SECONDS, batch: int = 500, evidence: bool = True
) -> dict:
    """Hand what was left behind to its task again; returns how many of each kind."""
    from complaints.evidence.tasks import sweep_evidence
    from complaints.tasks import (
        attribute_report,
        process_report,
        send_acknowledgement,
        send_forward,
        send_reply,
        sweep_sender_authentication,
    )

    tasks = {
        "process": process_report,
        "attribute": attribute_report,
        "acknowledge": send_acknowledgement,
        "forward": send_forward,
        "reply": send_reply,
        **_TASKS,
    }
    found = stale_work_find(stale_seconds=stale_seconds, batch=batch)
    counts = {kind: len(ids) for kind, ids in found.items()}
    if found["process"] and drains_enabled():
        found["process"] = stale_received_hand_over(found["process"])
    for kind, ids in found.items():
        for pk in ids:
            try:
                tasks[kind].delay(pk)
            except Exception:  # one bad row (or the broker gone again) must not stop the rest
                logger.exception("recovery: %s %s failed", kind, pk)
    if evidence:
        counts["evidence"] = sweep_evidence(batch=batch)
        counts["sender_authentication"] = sweep_sender_authentication(batch=batch)
    if any(counts.values()):
        logger.info("recovered stale work: %s", counts)
    return counts


def recovery_if_due() -> dict | None:
    """The sweep without beat: at most once a minute (per cache), from a request or a new
    report. Cheap when nothing is owed (a few indexed queries); small batches, so a
    request that happens to run it is not held up for long."""
    every = settings.ABUSEDESK_RECOVERY_CHECK_SECONDS
    if not every:
        return None
    try:
        if not cache.add(CHECK_KEY, 1, timeout=every):
            return None
    except Exception:  # the cache (Redis) being down is no reason to fail a request
        return None
    try:
        return stale_work_recover(batch=20, evidence=False)
    except Exception:
        logger.exception("request-time recovery failed")
        return None
