"""Celery tasks: take ids, idempotent, safe to re-send."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def detect_mail_volume() -> str:
    """Periodic (beat): the volume limits for the hours of mail-log rows not looked at yet."""
    from .services.scan import volume_scan

    return volume_scan().line()


@shared_task(bind=True, max_retries=None)
def run_filtering_instruction(self, instruction_id: int) -> None:
    from django.conf import settings

    from sanctions.executors import TransientExecutionError
    from sanctions.tasks import backoff_seconds

    from .services.filtering import instruction_give_up, instruction_run

    try:
        instruction_run(instruction_id=instruction_id)
    except TransientExecutionError as exc:
        if self.request.retries >= settings.ABUSEDESK_EXECUTOR_MAX_RETRIES:
            instruction_give_up(instruction_id=instruction_id, error=str(exc))
            return
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from None
