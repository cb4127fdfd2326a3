"""Celery tasks: take ids, idempotent, safe to re-send."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from .executors import TransientExecutionError


def backoff_seconds(retries: int) -> int:
    return min(15 * 2**retries, 3600)


@shared_task(bind=True, max_retries=None)
def run_execution(self, execution_id: int) -> None:
    from .services.execution import execution_give_up, execution_run

    try:
        execution_run(execution_id=execution_id)
    except TransientExecutionError as exc:
        if self.request.retries >= settings.ABUSEDESK_EXECUTOR_MAX_RETRIES:
            execution_give_up(execution_id=execution_id, error=str(exc))
            return
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from None


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_notice(notice_id: int) -> str:
    """A failed send stays on the notice; the recovery sweep tries it again."""
    from .services.notices import notice_send

    return notice_send(notice_id=notice_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def refresh_recommendations() -> int:
    """Periodic: every open case's evidence level and recommended measure, kept current."""
    from .services.recommend import refresh_stale_recommendations

    return refresh_stale_recommendations()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def refresh_case_recommendation(case_id: int) -> None:
    """Queued after a change to a case when none is waiting for it (evaluations_queue)."""
    from complaints.models import Case

    from .services.recommend import case_recommendation_refresh, queued_evaluation_taken

    queued_evaluation_taken(case_id)
    try:
        case_recommendation_refresh(case_id=case_id, only_if_stale=True)
    except Case.DoesNotExist:
        return
