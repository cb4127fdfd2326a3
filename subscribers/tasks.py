"""Celery tasks of the inventory: idempotent, safe to re-send."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def traffic_log_upkeep() -> dict:
    """Periodic (beat): monthly partitions ahead (PostgreSQL) and the traffic logs'
    retention (ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS). Idempotent."""
    from subscribers.partitions import upkeep

    return upkeep()
