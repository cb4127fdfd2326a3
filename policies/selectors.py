"""Reads: the active criteria, their snapshot, recommendations and the clause catalogue."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from abusedesk.errors import NotFound

from .evaluation import evaluate
from .models import RULE_DATA_FIELDS, Clause, CriteriaSet, Rule
from .snapshot import VOLUME_FIELDS, CriteriaSnapshot, snapshot_build
from .types import CaseFacts, Recommendation

# Versions never change once written, so a snapshot can be kept for the process's life.
# The key includes created_at: tests roll back and may reuse a version number.
_SNAPSHOTS: dict[tuple, CriteriaSnapshot] = {}


def active_criteria() -> CriteriaSet:
    criteria = CriteriaSet.objects.filter(is_active=True).first()
    if criteria is None:
        raise NotFound("No active criteria set; run the migrations to seed the default set.")
    return criteria


def criteria_get(*, version: int) -> CriteriaSet:
    try:
        return CriteriaSet.objects.select_related("created_by").get(version=version)
    except CriteriaSet.DoesNotExist:
        raise NotFound(f"No criteria version {version}.") from None


def criteria_versions():
    return CriteriaSet.objects.select_related("created_by").annotate(rule_count=Count("rules"))


def rule_data(rule: Rule) -> dict:
    """A rule as plain data (the shape of policies.defaults and policies.snapshot)."""
    return {name: getattr(rule, name) for name in RULE_DATA_FIELDS}


def criteria_rules(criteria: CriteriaSet) -> list[Rule]:
    return list(criteria.rules.order_by("position", "key"))


def rule_get(*, criteria: CriteriaSet, key: str) -> Rule:
    try:
        return criteria.rules.get(key=key)
    except Rule.DoesNotExist:
        raise NotFound(f"No rule {key} in criteria version {criteria.version}.") from None


def criteria_snapshot(criteria: CriteriaSet) -> CriteriaSnapshot:
    cache_key = (criteria.pk, criteria.version, criteria.created_at)
    snapshot = _SNAPSHOTS.get(cache_key)
    if snapshot is None:
        snapshot = snapshot_build(
            version=criteria.version,
            rules=[rule_data(r) for r in criteria.rules.all()],
            review_hours=criteria.review_hours,
            emergency_review_hours=criteria.emergency_review_hours,
            made_up_percent=criteria.made_up_percent,
            made_up_minimum=criteria.made_up_minimum,
            **{name: getattr(criteria, name) for name in VOLUME_FIELDS},
        )
        _SNAPSHOTS[cache_key] = snapshot
    return snapshot


def recommend(facts: CaseFacts) -> Recommendation:
    """The active criteria's recommendation; it carries the version it used."""
    return evaluate(facts, criteria_snapshot(active_criteria()))


def recommend_all(facts: Iterable[CaseFacts]) -> list[Recommendation]:
    """Many cases against one snapshot (e.g. every open case after a rule change)."""
    snapshot = criteria_snapshot(active_criteria())
    return [evaluate(f, snapshot) for f in facts]


def clause_lookup(ids: Iterable[str], *, on: datetime.date | None = None) -> list[Clause]:
    """The version of each clause in force on `on` (default today), in the order asked.

    Before a clause's first effective date its first version stands in. Unknown
    ids are left out.
    """
    on = on or timezone.localdate()
    ids = list(dict.fromkeys(ids))
    versions: dict[str, list[Clause]] = {}
    for clause in Clause.objects.filter(catalogue_id__in=ids).order_by("-version"):
        versions.setdefault(clause.catalogue_id, []).append(clause)
    found = []
    for cid in ids:
        rows = versions.get(cid)
        if rows:
            found.append(next((c for c in rows if c.effective_from <= on), rows[-1]))
    return found


def clause_catalogue() -> list[Clause]:
    """The latest version of every clause, with `version_count` set on each."""
    latest: dict[str, Clause] = {}
    counts: dict[str, int] = {}
    for clause in Clause.objects.select_related("created_by").order_by("catalogue_id", "version"):
        latest[clause.catalogue_id] = clause
        counts[clause.catalogue_id] = counts.get(clause.catalogue_id, 0) + 1
    for cid, clause in latest.items():
        clause.version_count = counts[cid]
    return [latest[cid] for cid in sorted(latest)]


def clause_history(*, catalogue_id: str) -> list[Clause]:
    rows = list(
        Clause.objects.select_related("created_by").filter(catalogue_id=catalogue_id).order_by("-version")
    )
    if not rows:
        raise NotFound(f"No clause {catalogue_id}.")
    return rows


def clause_ids() -> set[str]:
    return set(Clause.objects.values_list("catalogue_id", flat=True).distinct())
