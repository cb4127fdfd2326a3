"""Celery tasks for DNS evidence: take ids, idempotent, safe to re-send."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def collect_evidence(report_id: int) -> int:
    """Idempotent: questions answered within their TTL are not asked again.

    DNS failures are evidence (recorded, not raised), so only the database
    being briefly unavailable is worth a retry.
    """
    from complaints.models import Report

    from .services import evidence_collect

    try:
        return evidence_collect(report_id=report_id)
    except Report.DoesNotExist:
        logger.info("report %s is gone; no evidence to collect", report_id)
        return 0


@shared_task
def sweep_evidence(batch: int = 500) -> int:
    """Re-send evidence work lost on the way (e.g. the broker was down)."""
    from .selectors import reports_missing_evidence

    ids = reports_missing_evidence(limit=batch)
    for pk in ids:
        collect_evidence.delay(pk)
    return len(ids)
