"""Celery tasks: take ids, idempotent, safe to re-send."""

from __future__ import annotations

import imaplib
import logging
import socket

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from complaints.evidence.tasks import collect_evidence, sweep_evidence  # noqa: F401  (registers them)

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(imaplib.IMAP4.abort, OSError, socket.timeout, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def poll_imap_mailbox() -> dict:
    from complaints.services.mailbox import imap_poll

    if not settings.ABUSEDESK_IMAP_HOST:
        return {"skipped": "ABUSEDESK_IMAP_HOST is not set"}
    result = imap_poll()
    return {"fetched": result.fetched, "created": result.created, "duplicates": result.duplicates}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def process_report(report_id: int) -> None:
    from complaints.services import report_process

    report_process(report_id=report_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def drain_received(slot: int) -> int:
    """Process stored reports until none is waiting (complaints/services/drain.py)."""
    from complaints.services.drain import received_drain

    return received_drain(slot=slot)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def process_reports(report_ids: list[int], acknowledge_ids: list[int] | None = None) -> None:
    """A bulk import's chunk of stored reports (import_mailbox); safe to run again."""
    from complaints.services.intake import reports_process_many

    reports_process_many(report_ids=report_ids, acknowledge_ids=acknowledge_ids or ())


# Mail tasks: a failed send is recorded on its row (shown with a retry on the page) and
# tried again by the recovery sweep with a back-off; the task itself never raises it,
# so an in-process (eager) send can never turn a request into a 500.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_acknowledgement(report_id: int) -> str:
    from complaints.services.acks import acknowledgement_send

    return acknowledgement_send(report_id=report_id)


@shared_task
def sweep_reports() -> int:
    """Periodic (beat, every minute): hand work left behind (the broker was down, a worker
    died) to its task again: reports, evidence, acknowledgements, forwards, replies, notices."""
    from complaints.services.recovery import stale_work_recover

    return sum(stale_work_recover().values())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def attribute_report(report_id: int) -> None:
    from complaints.attribution.services import report_attribute

    report_attribute(report_id=report_id)


@shared_task
def reattribute_changed() -> int:
    """Periodic: attributions of open cases follow new sessions, logs and inventory edits."""
    from complaints.attribution.services import reattribute_changed as run

    return run()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_forward(forward_id: int) -> str:
    from complaints.services.forwarding import forward_send

    return forward_send(forward_id=forward_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_reply(reply_id: int) -> str:
    from complaints.services.replies import reply_send

    return reply_send(reply_id=reply_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_expired_content() -> dict:
    """Periodic (beat): raw content of cases closed longer than the retention period. Idempotent."""
    from complaints.services.retention import content_purge_expired

    return content_purge_expired()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def report_upkeep() -> dict:
    """Periodic (beat): monthly partitions of the reports ahead (PostgreSQL) and the
    reports' retention (ABUSEDESK_REPORT_RETENTION_DAYS). Idempotent."""
    from complaints.services.retention import report_upkeep as upkeep

    return upkeep()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def authenticate_sender(report_id: int) -> int | None:
    """SPF, DKIM and DMARC of a report's sender, as evidence. Idempotent: a report that
    has a result keeps it. DNS failures are recorded in the result, never raised."""
    from complaints.evidence.authentication import sender_authentication_collect
    from complaints.models import Report

    try:
        record = sender_authentication_collect(report_id=report_id)
    except Report.DoesNotExist:
        return None
    return record.pk if record is not None else None


@shared_task
def sweep_sender_authentication(batch: int = 500) -> int:
    """Re-send sender authentication lost on the way (e.g. the broker was down)."""
    from complaints.evidence.authentication import reports_missing_authentication

    ids = reports_missing_authentication(limit=batch)
    for pk in ids:
        authenticate_sender.delay(pk)
    return len(ids)
