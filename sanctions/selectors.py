"""Reads of the sanctions app, and the access functions: the only way to fetch
what a user asked for. Outsiders get NotFound (404)."""

from __future__ import annotations

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as Conditional
from django.utils import timezone

from abusedesk.errors import NotFound
from complaints.models import Case
from complaints.selectors import is_desk_user

from .choices import State
from .facts import case_subscriber_ids
from .models import Sanction

CLOSED_STATES = (State.REJECTED, State.LIFTED)
QUEUE_STATES = (State.PROPOSED, State.MORE_EVIDENCE, State.APPROVED)


def _overdue_q(now) -> Q:
    return (
        Q(emergency=True)
        & ~Q(state__in=CLOSED_STATES)
        & (
            Q(reviewed_at__isnull=True, review_due_at__lt=now)
            | Q(notified_at__isnull=True, notify_due_at__lt=now)
        )
    )


def overdue_emergency(*, now=None) -> QuerySet[Sanction]:
    """Emergency measures not reviewed, or not notified, within the configured hours."""
    return (
        Sanction.objects.filter(_overdue_q(now or timezone.now()))
        .select_related("case", "account", "proposed_by")
        .order_by("review_due_at", "id")
    )


def review_queue(*, now=None) -> QuerySet[Sanction]:
    """What waits for a decision: overdue emergency measures first, then oldest first."""
    now = now or timezone.now()
    waiting = Q(state__in=QUEUE_STATES) | (
        Q(emergency=True, reviewed_at__isnull=True) & ~Q(state__in=CLOSED_STATES)
    )
    return (
        Sanction.objects.filter(waiting | _overdue_q(now))
        .annotate(
            overdue=Conditional(
                When(_overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .select_related("case", "account__subscriber", "proposed_by")
        .order_by("-overdue", "created_at", "id")
    )


def sanction_get_for_user(user, pk: int) -> Sanction:
    if not is_desk_user(user):
        raise NotFound(f"no sanction {pk}")
    sanction = (
        Sanction.objects.select_related("case", "account__subscriber", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if sanction is None:
        raise NotFound(f"no sanction {pk}")
    return sanction


def subscriber_history(case: Case) -> QuerySet[Sanction]:
    """Every measure, in any state, on any account of the case's subscribers (POLICY.md rule 14)."""
    return (
        Sanction.objects.filter(account__subscriber_id__in=case_subscriber_ids(case))
        .select_related("case", "account__subscriber", "proposed_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def case_sanctions(case: Case) -> QuerySet[Sanction]:
    return (
        Sanction.objects.filter(case=case)
        .select_related("account__subscriber", "proposed_by", "decided_by")
        .prefetch_related("transitions", "notices", "hearing_answers", "executions")
        .order_by("created_at", "id")
    )
