"""Revising a proposal a reviewer sent back ("ask for more evidence") and resubmitting it.

The proposer answers the request: more evidence relied on, a better justification,
another level or clause. The revision passes every guard a new proposal passes
(checks.proposal_problems on the case's facts as they are now, the recommendation
computed again), keeps the measure's target (another account is another measure),
and goes back to "proposed" through the lifecycle's own "resubmit" edge, so the
four-eyes rule still holds: the proposer stays the proposer and cannot decide on it.
What changed is written to the audit trail with the resubmission.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from abusedesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from complaints.models import Case

from .. import policy
from ..checks import PENDING_STATES, parse_evidence_refs, proposal_problems
from ..choices import State, Target
from ..facts import case_facts
from ..models import Sanction
from .propose import _clause_snapshots, _facts_snapshot
from .transition import sanction_transition

# The parts of a proposal its proposer may revise (the target stays: see the module doc).
REVISABLE = (
    "level",
    "justification",
    "clauses",
    "legal_basis",
    "legal_references",
    "evidence_relied_on",
    "culpability",
    "period_days",
    "restriction",
    "rate_per_hour",
)


def revise_refusal(sanction: Sanction, actor) -> ApplicationError | None:
    """Why `actor` may not revise `sanction` now, or None (pages offer it only then)."""
    if actor is None or not actor.has_perm("abusedesk.work_desk"):
        return PermissionDenied(_("Only desk staff may revise measures."))
    if sanction.state != State.MORE_EVIDENCE:
        return Conflict(
            _("Only a proposal sent back for more evidence can be revised; this one is %(state)s.")
            % {"state": sanction.get_state_display()},
            code="not_returned",
        )
    if actor.pk != sanction.proposed_by_id:
        # Whoever revises a proposal is its author: anyone else revising it could then
        # approve what they wrote themselves. Another person proposes a measure of their own.
        return PermissionDenied(
            _("Only the proposer revises a proposal sent back for more evidence."), code="not_proposer"
        )
    return None


def sanction_revise(
    *,
    sanction_id: int,
    actor,
    reason: str,
    level: str,
    justification: str,
    clauses,
    legal_basis: str,
    evidence_relied_on,
    culpability: str = "",
    legal_references: str = "",
    period_days: int | None = None,
    restriction: str = "",
    rate_per_hour: int | None = None,
) -> Sanction:
    """Revise a proposal in "more evidence requested" and resubmit it for review.

    Raises ApplicationError (a reason per field) when the revision breaks a rule a
    new proposal must meet, PermissionDenied when `actor` is not its proposer,
    Conflict when it is not (or no longer) waiting for a revision.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say what you changed: a comment is required."),
            fields={"reason": [_("This field is required.")]},
        )
    try:
        refs = parse_evidence_refs(evidence_relied_on)
    except ValueError as exc:
        raise ApplicationError(str(exc), fields={"evidence_relied_on": [str(exc)]}) from None
    with transaction.atomic():
        sanction = (
            Sanction.objects.select_for_update(of=("self",))
            .select_related("case", "account")
            .filter(pk=sanction_id)
            .first()
        )
        if sanction is None:
            raise NotFound(f"no sanction {sanction_id}")
        refusal = revise_refusal(sanction, actor)
        if refusal:
            raise refusal
        case = sanction.case
        snapshots, unknown = _clause_snapshots(clauses)
        facts = case_facts(case, culpability=culpability or None)
        recommendation = policy.recommend(facts)
        problems = proposal_problems(
            case=case,
            account=sanction.account,
            target_kind=sanction.target_kind,
            content_ref=sanction.content_ref,
            level=level,
            justification=justification,
            clause_ids=[s["catalogue_id"] for s in snapshots] or unknown,
            legal_basis=legal_basis,
            evidence_refs=refs,
            culpability=culpability or "",
            recommendation=recommendation,
            facts=facts,
            emergency=sanction.emergency,
            restriction=restriction or "",
            rate_per_hour=rate_per_hour,
        )
        if unknown:
            problems.setdefault("clauses", []).append(
                _("Unknown clause: %(ids)s.") % {"ids": ", ".join(unknown)}
            )
        if problems:
            raise ApplicationError(_("The revision is incomplete or breaks a rule."), fields=problems)
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
        duplicate = _duplicate(sanction, level)
        if duplicate:
            raise ApplicationError(duplicate, fields={"level": [duplicate]}, code="duplicate_proposal")
        new = {
            "level": level,
            "justification": justification.strip(),
            "clauses": snapshots,
            "legal_basis": legal_basis,
            "legal_references": legal_references or "",
            "evidence_relied_on": refs,
            "culpability": culpability or "",
            "period_days": period_days,
            "restriction": restriction or "",
            "rate_per_hour": rate_per_hour,
        }
        changed = {
            name: {"before": getattr(sanction, name), "after": value}
            for name, value in new.items()
            if getattr(sanction, name) != value
        }
        Sanction.objects.filter(pk=sanction.pk, state=State.MORE_EVIDENCE).update(
            **new,
            recommended_level=recommendation.level or "",
            criteria_version=recommendation.criteria_version,
            recommendation=recommendation.to_dict(),
            facts=_facts_snapshot(facts),
        )
        return sanction_transition(
            sanction_id=sanction.pk,
            to_state=State.PROPOSED,
            actor=actor,
            reason=reason,
            data={
                "revised": sorted(changed),
                "changes": changed,
                "recommended_level": recommendation.level,
                "criteria_version": recommendation.criteria_version,
            },
        )


def _duplicate(sanction: Sanction, level: str) -> str | None:
    """Another pending proposal of the same level on the same target (this one aside): the
    revision would then propose twice what one decision settles (checks.duplicate_proposal_problem)."""
    pending = Sanction.objects.filter(case=sanction.case, level=level, state__in=PENDING_STATES).exclude(
        pk=sanction.pk
    )
    if sanction.target_kind == Target.HOSTING_CONTENT:
        pending = pending.filter(target_kind=Target.HOSTING_CONTENT, content_ref=sanction.content_ref)
    else:
        pending = pending.exclude(target_kind=Target.HOSTING_CONTENT).filter(account=sanction.account)
    first = pending.order_by("created_at", "pk").first()
    if first is None:
        return None
    return _(
        "Measure %(ref)s already proposes %(level)s on the same target in this case and awaits a decision: "
        "decide on it (or ask for changes) instead of proposing it again."
    ) % {"ref": first.reference, "level": level}
