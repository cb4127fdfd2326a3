"""Keep each open case's evidence level and recommended measure current.

The queue shows them and filters on them. They are re-evaluated when the case
has changed since (new reports, new attribution) or when the criteria version
is no longer the one that produced them (a manager edited a rule).
"""

from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone

from complaints.choices import CaseStatus
from complaints.models import Case
from sanctions.facts import case_facts
from sanctions.policy import recommend


def case_recommendation_refresh(*, case_id: int) -> dict:
    case = Case.objects.get(pk=case_id)
    recommendation = recommend(case_facts(case)).to_dict()
    Case.objects.filter(pk=case_id).update(
        evidence_level=recommendation.get("evidence_level") or "",
        recommended_level=recommendation.get("level") or "",
        recommendation=recommendation,
        recommended_at=timezone.now(),
    )
    return recommendation


def stale_cases(*, criteria_version: int | None, limit: int = 1000):
    """Open cases never evaluated, changed since, or evaluated on other criteria."""
    stale = Q(recommended_at__isnull=True) | Q(recommended_at__lt=F("last_activity_at"))
    if criteria_version is not None:
        stale |= ~Q(recommendation__criteria_version=criteria_version)
    return Case.objects.filter(stale, status=CaseStatus.OPEN).values_list("pk", flat=True)[:limit]


def refresh_stale_recommendations(*, limit: int = 1000) -> int:
    from policies.selectors import active_criteria

    active = active_criteria()
    ids = list(stale_cases(criteria_version=active.version if active else None, limit=limit))
    for pk in ids:
        case_recommendation_refresh(case_id=pk)
    return len(ids)
