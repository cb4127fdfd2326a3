"""The guards of POLICY.md that no configuration can switch off.

Each guard takes the draft recommendation the rule's ladder produced and
tightens it, adding a reason when it changed something. They run in a fixed
order (see `apply_guards`); none of them reads the criteria's rules, only the
facts, so editing a rule cannot weaken them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .snapshot import APPROVAL_RANK, EVIDENCE_RANK, LEVEL_RANK, CriteriaSnapshot
from .types import CaseFacts

OUR_ROLES = frozenset({"sending", "relay", "hosting", "upstream"})
ACCOUNT_TARGETS = frozenset({"mail_account", "connection_account", "hosting_content", "hosting_account"})
L3, L4, L5 = LEVEL_RANK["L3"], LEVEL_RANK["L4"], LEVEL_RANK["L5"]


@dataclass
class Draft:
    """A recommendation under construction; frozen into a Recommendation at the end."""

    rule: str | None
    level: str
    target: str = "none"
    also: tuple[str, ...] = ()
    clauses: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    approval: str = "staff"
    notice: bool | None = None  # None: decided by the final level
    hearing: bool | None = None
    review_hours: int | None = None
    emergency: bool = False
    forward_to: str | None = None
    no_measure_reason: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def cap(self, level: str, reason: str) -> None:
        top = LEVEL_RANK[level]
        if self.rank > top:
            self.level = level
        self.also = tuple(a for a in self.also if LEVEL_RANK[a] <= top)
        self.reasons.append(reason)

    def stand_down(self, reason: str, *, target: str = "none") -> None:
        """No measure on any account: record, acknowledge, watch (L0)."""
        self.level, self.also, self.target = "L0", (), target
        self.emergency, self.review_hours = False, None
        self.no_measure_reason = reason
        self.reasons.append(f"guard.{reason}")


def is_external(facts: CaseFacts) -> bool:
    """We only received it, or it is not ours at all: no role that names our customer."""
    roles = set(facts.roles)
    return bool(roles & {"receiving", "not_ours"}) and not roles & OUR_ROLES


def guard_external(d: Draft, facts: CaseFacts) -> None:
    if is_external(facts):
        d.stand_down("not_our_customer", target="forward" if d.forward_to else "none")


def guard_untied(d: Draft, evidence: str) -> None:
    # E0: nothing ties the report to one of our accounts, so no measure may name one.
    if evidence == "E0" and d.target in ACCOUNT_TARGETS:
        d.stand_down("not_tied_to_our_records", target="forward" if d.forward_to else "none")


def guard_hosting(d: Draft, facts: CaseFacts) -> None:
    """A hosting-role case acts on the content, never by default on the whole connection."""
    roles = set(facts.roles)
    if "hosting" not in roles or roles & {"sending", "relay"}:
        return
    if d.target == "hosting_account" and d.level != "L7":
        d.target = "hosting_content"
        d.reasons.append("guard.hosting_content_first")
    elif d.target == "connection_account" and d.rank >= L4:
        if "hosting" in facts.account_kinds:
            d.target = "hosting_content"
            d.cap("L5", "guard.hosting_content_first")
        else:
            d.cap("L2", "guard.hosting_never_connection")


def guard_severe(d: Draft, facts: CaseFacts, evidence: str) -> None:
    """L4 and above: legal basis, a clause, E2 or better, a recorded culpability; a manager."""
    if max([d.rank, *(LEVEL_RANK[a] for a in d.also)]) < L4:
        return
    missing = []
    if not d.legal_basis:
        missing.append("legal_basis")
    if not d.clauses:
        missing.append("clause")
    if EVIDENCE_RANK[evidence] < EVIDENCE_RANK["E2"]:
        missing.append("evidence_e2")
    if facts.culpability is None:
        missing.append("recorded_culpability")
    if missing:
        d.cap("L3", "guard.capped_at_l3:" + ",".join(missing))
        return
    if APPROVAL_RANK[d.approval] < APPROVAL_RANK["manager"]:
        d.approval = "manager"
        d.reasons.append("guard.manager_approval")


def guard_review(d: Draft, criteria: CriteriaSnapshot) -> None:
    """Every restriction has a review time; an emergency one is reviewed sooner."""
    if d.rank < L3:
        d.review_hours, d.emergency = None, False
        return
    hours = d.review_hours or criteria.review_hours
    if d.emergency:
        hours = min(hours, criteria.emergency_review_hours)
    d.review_hours = hours


def apply_guards(d: Draft, facts: CaseFacts, evidence: str, criteria: CriteriaSnapshot) -> Draft:
    guard_external(d, facts)
    guard_untied(d, evidence)
    guard_hosting(d, facts)
    guard_severe(d, facts, evidence)
    guard_review(d, criteria)
    if d.notice is None:
        d.notice = d.rank >= LEVEL_RANK["L1"]
    if d.hearing is None:
        d.hearing = d.rank >= L4
    return d
