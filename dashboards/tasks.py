"""Celery tasks: idempotent, safe to re-send."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_dashboard(days: int = 30) -> float:
    """Periodic: the default period's figures recomputed, so the page only reads them."""
    from .snapshots import compute

    return compute(days).computed_at.timestamp()
