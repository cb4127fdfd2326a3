"""Keep each open case's evidence level and recommended measure current.

The queue shows them and filters on them. A case is re-evaluated as soon as what its
facts are built from changes (complaints announce it with `case_changed`; our
listener enqueues `refresh_case_recommendation` after the commit, which runs in
process without a broker) and, as a safety net, by a periodic sweep of cases whose
recommendation is older than their facts or than the criteria version in force.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone

from complaints.choices import CaseStatus
from complaints.facts.derive import case_derived_facts
from complaints.models import Case
from sanctions.facts import case_facts, facts_record
from sanctions.policy import recommend


def case_recommendation_refresh(*, case_id: int, only_if_stale: bool = False) -> dict | None:
    """Evaluate the case and store the result. With `only_if_stale`, skip a case whose
    stored recommendation already covers its latest change (many changes queued while
    one evaluation ran need no second one) or that is no longer open.
    """
    started = timezone.now()
    case = Case.objects.get(pk=case_id)
    if only_if_stale and not _is_stale(case):
        return None
    derived = case_derived_facts(case)
    facts = case_facts(case, derived=derived)
    recommendation = recommend(facts).to_dict()
    # The derived facts (joe job, shared IPv4, aggravation, telemetry, sender
    # authentication) with the steps and records behind them, as they were evaluated.
    recommendation["facts"] = facts_record(case, derived, facts, recommendation)
    # Stamped with the time the facts were read: a change committed while this ran
    # is newer, so the case stays stale and is evaluated again.
    Case.objects.filter(pk=case_id).update(
        evidence_level=recommendation.get("evidence_level") or "",
        recommended_level=recommendation.get("level") or "",
        recommendation=recommendation,
        recommended_at=started,
    )
    return recommendation


def _is_stale(case: Case) -> bool:
    if case.status != CaseStatus.OPEN:
        return False
    if case.recommended_at is None or case.recommendation is None:
        return True
    if case.facts_changed_at is not None and case.recommended_at < case.facts_changed_at:
        return True
    from policies.selectors import active_criteria

    active = active_criteria()
    return active is not None and case.recommendation.get("criteria_version") != active.version


def stale_cases(*, criteria_version: int | None, limit: int = 1000):
    """Open cases never evaluated, changed since, or evaluated on other criteria."""
    stale = Q(recommended_at__isnull=True) | Q(recommended_at__lt=F("facts_changed_at"))
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
