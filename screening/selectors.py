"""Reads of the screening app; who may see what is decided here."""

from __future__ import annotations

from django.db.models import Count, Q

from abusedesk.errors import NotFound

from .choices import Direction, EntryState
from .models import ExchangeParticipant, ReceivedEntry, ScreeningQuery, Termination, Transfer
from .services.exchange import exchange_eligible

PAGE = 100


def participant_of(user) -> ExchangeParticipant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ExchangeParticipant.objects.filter(user=user, active=True).first()


def query_get_for_user(user, pk: int) -> ScreeningQuery:
    """The person who ran it, or a manager; anyone else is told it does not exist."""
    query = ScreeningQuery.objects.filter(pk=pk).first()
    if query is None or not (query.requested_by_id == user.pk or user.has_perm("abusedesk.review_measures")):
        raise NotFound(f"no screening {pk}")
    return query


def query_list_for_user(user):
    queries = ScreeningQuery.objects.all()
    if not user.has_perm("abusedesk.review_measures"):
        queries = queries.filter(requested_by=user)
    return queries.order_by("-at", "-id")[:20]


def exchange_overview() -> dict:
    """What the managers' page shows: our terminations and why each is (not) sent, transfers, entries."""
    eligible = set(exchange_eligible().values_list("pk", flat=True))
    terminations = list(
        Termination.objects.select_related("subscriber").order_by("-terminated_at", "-id")[:PAGE]
    )
    for termination in terminations:
        termination.eligible = termination.pk in eligible
    transfers = Transfer.objects.select_related("participant").order_by("-at", "-id")[:PAGE]
    entries = ReceivedEntry.objects.select_related("participant").order_by("-received_at", "-id")[:PAGE]
    participants = ExchangeParticipant.objects.annotate(
        active_entries=Count("entries", filter=Q(entries__state=EntryState.ACTIVE))
    )
    counts = {
        "sent": Transfer.objects.filter(direction=Direction.SENT).count(),
        "received": Transfer.objects.filter(direction=Direction.RECEIVED).count(),
    }
    return {
        "terminations": terminations,
        "transfers": list(transfers),
        "entries": list(entries),
        "participants": list(participants),
        "counts": counts,
    }
