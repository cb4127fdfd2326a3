"""Celery tasks: take ids, idempotent, safe to re-send."""

from __future__ import annotations

import imaplib
import logging
import socket
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from complaints.choices import ReportStatus
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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_acknowledgement(report_id: int) -> None:
    from complaints.services.acks import acknowledgement_send

    acknowledgement_send(report_id=report_id)


@shared_task
def sweep_reports() -> int:
    """Re-send work lost on the way (e.g. the broker was down): reports left
    unprocessed, and parsed reports never attributed."""
    from complaints.models import Report

    stale = timezone.now() - timedelta(minutes=5)
    ids = list(
        Report.objects.filter(status=ReportStatus.RECEIVED, received_at__lt=stale).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in ids:
        process_report.delay(pk)
    unattributed = list(
        Report.objects.filter(
            status__in=(ReportStatus.PARSED, ReportStatus.MANUAL_TRIAGE),
            attributed_at__isnull=True,
            received_at__lt=stale,
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in unattributed:
        attribute_report.delay(pk)
    return len(ids) + len(unattributed)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def attribute_report(report_id: int) -> None:
    from complaints.attribution.services import report_attribute

    report_attribute(report_id=report_id)


@shared_task
def reattribute_changed() -> int:
    """Periodic: attributions of open cases follow new sessions, logs and inventory edits."""
    from complaints.attribution.services import reattribute_changed as run

    return run()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_forward(forward_id: int) -> None:
    from complaints.services.forwarding import forward_send

    forward_send(forward_id=forward_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_reply(case_id: int, address: str, template: str, note: str = "") -> None:
    from complaints.services.replies import reply_send

    reply_send(case_id=case_id, address=address, template=template, note=note)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_expired_content() -> dict:
    """Periodic (beat): raw content of cases closed longer than the retention period. Idempotent."""
    from complaints.services.retention import content_purge_expired

    return content_purge_expired()


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
