"""The only place that calls into `policies`: the recommendation and the clauses.

Kept in one module so the names the policies app provides are written once, and
so tests can stand in for the criteria where a test is about the lifecycle and
must not change when a default rule does.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies import selectors as policies
from policies.types import CaseFacts, Recommendation


@dataclass(frozen=True)
class ClauseChoice:
    """One clause version in force, as the proposal form offers and the record stores it."""

    catalogue_id: str
    isp_number: str
    title: str
    title_ja: str
    version: int

    def snapshot(self) -> dict:
        return {
            "catalogue_id": self.catalogue_id,
            "isp_number": self.isp_number,
            "title": self.title,
            "title_ja": self.title_ja,
            "version": self.version,
        }


def recommend(facts: CaseFacts) -> Recommendation:
    return policies.recommend(facts)


def recommend_all(facts: list[CaseFacts]) -> list[Recommendation]:
    """Many cases against the criteria in force, read once."""
    return policies.recommend_all(facts)


def _choice(clause) -> ClauseChoice:
    return ClauseChoice(
        catalogue_id=clause.catalogue_id,
        isp_number=str(clause.isp_number or ""),
        title=str(clause.title),
        title_ja=str(getattr(clause, "title_ja", "") or ""),
        version=clause.version,
    )


def clause_lookup(ids) -> dict[str, ClauseChoice]:
    """The version in force of each named clause, by catalogue id; unknown ids are left out."""
    return {c.catalogue_id: _choice(c) for c in policies.clause_lookup(list(ids))}


def current_clauses() -> list[ClauseChoice]:
    """Every clause in the version in force today, for the proposal form's checkboxes."""
    from policies.models import Clause

    ids = sorted(set(Clause.objects.values_list("catalogue_id", flat=True)))
    return sorted(clause_lookup(ids).values(), key=lambda c: c.catalogue_id)
