"""The one way a sanction changes state: `sanction_transition`.

It checks the map (transitions.py), the permissions and the four-eyes rule, then
moves the row with a conditional UPDATE (… WHERE state = <what we read>), so two
managers deciding at once cannot both win: the second UPDATE matches no row and
its caller gets a Conflict naming who decided. The Transition row, the audit
entry, the execution request and the notice are written in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from policies.services import MAX_REVIEW_HOURS

from ..checks import (
    case_closed_problem,
    emergency_execution_problem,
    needs_manager,
    review_problem,
    send_back_problem,
)
from ..choices import ExecutionAction, State
from ..models import Sanction, Transition
from ..transitions import DECISION, EXECUTION, TRANSITIONS, Edge, edge_for
from .execution import emergency_step
from .propose import facts_refusal


def sanction_revision(sanction: Sanction) -> int:
    """What the measure says now, as one number: the id of its latest transition (0 before any).

    A proposal's content changes only with a transition (a revision is resubmitted
    through the "resubmit" edge) and so does its state, so a page or an API client
    that read the measure at one revision and decides at another decided on
    something it did not see: `sanction_transition(seen_revision=...)` refuses it."""
    return max((t.pk for t in sanction.transitions.all()), default=0)


def stale_read_refusal() -> Conflict:
    return Conflict(
        _("The measure changed since you read it: read it again before you decide."),
        code="changed_since_read",
    )


def sanction_transition(
    *,
    sanction_id: int,
    to_state: str,
    actor,
    reason: str,
    data: dict | None = None,
    seen_revision: int | None = None,
) -> Sanction:
    """Take the edge from the sanction's current state to `to_state`.

    `data` is added to the audit entry (a revision's changes, see services.revise).
    `seen_revision` is `sanction_revision` as the actor read the measure (the page's
    form, an API client's last read); when the measure changed since, the request is
    refused (Conflict "changed_since_read"): sent back, revised to another level and
    resubmitted meanwhile, it is the same state but not what the actor saw.

    `actor` None is the system (a provisioning system's confirmation); it may only
    take EXECUTION edges. Raises Conflict when the edge is not open (someone else
    already moved the sanction), PermissionDenied for four-eyes and role failures.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why: a reason is required."), fields={"reason": [_("This field is required.")]}
        )
    with transaction.atomic():
        # Locked: a revision and its resubmission (or another decision) cannot land between
        # the check of what the actor saw and the decision (services.revise locks the same row).
        sanction = (
            Sanction.objects.select_for_update(of=("self",))
            .select_related("case", "account__subscriber", "decided_by")
            .filter(pk=sanction_id)
            .first()
        )
        if sanction is None:
            raise NotFound(f"no sanction {sanction_id}")
        edge = edge_for(
            sanction.state, to_state, emergency=sanction.emergency, reviewed=sanction.reviewed_at is not None
        )
        if edge is None:
            raise _refused(sanction, to_state)
        if seen_revision is not None and seen_revision != sanction_revision(sanction):
            raise stale_read_refusal()
        _check_actor(edge, sanction, actor)
        if edge.executes == ExecutionAction.CARRY_OUT or (edge.target == State.CARRIED_OUT and actor):
            # Neither asking for a measure to be carried out nor a person carrying it
            # out: a case closed after the approval (a joe job found, a duplicate) stops
            # it. The provisioning system's own word that it was done is still recorded.
            closed = case_closed_problem(sanction.case)
            if closed:
                raise Conflict(closed, code="case_closed")
        if (
            edge.to_state == State.APPROVED
            or edge.executes == ExecutionAction.CARRY_OUT
            or (edge.target == State.CARRIED_OUT and actor)
        ):
            # An approval (or a review upholding an emergency measure), or a person
            # carrying it out: the guards that depend on the case's facts hold now, not
            # only when it was proposed (a re-attribution may name another account).
            refusal = facts_refusal(sanction)
            if refusal:
                raise refusal
        now = timezone.now()
        if not _claim(sanction, edge, actor, now):
            raise _refused(Sanction.objects.get(pk=sanction_id), to_state)
        _record(edge, sanction, actor, reason, now, data)
        sanction.refresh_from_db()
        _side_effects(edge, sanction, actor, reason)
    return sanction


def _record(edge: Edge, sanction: Sanction, actor, reason: str, now, data: dict | None = None) -> None:
    """The Transition row and its audit entry, in the caller's transaction."""
    Transition.objects.create(
        sanction=sanction,
        action=edge.action,
        from_state=edge.source,
        to_state=edge.target,
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        at=now,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=f"sanction.{edge.action}",
        obj=sanction,
        case_id=sanction.case_id,
        reason=reason,
        data={
            **(data or {}),
            "from": edge.source,
            "to": edge.target,
            "decision": edge.to_state,
            "level": sanction.level,
        },
    )


def _refused(sanction: Sanction, to_state: str) -> Conflict:
    # Someone already took an edge that started where this request would have: a race lost.
    last = (
        sanction.transitions.filter(from_state__in=[src for (src, dst) in TRANSITIONS if dst == to_state])
        .order_by("-at", "-id")
        .first()
    )
    if last is not None:
        return Conflict(
            _("Already decided by %(who)s: the sanction is %(state)s since %(at)s.")
            % {
                "who": last.actor_name,
                "state": sanction.get_state_display(),
                "at": f"{last.at:%Y-%m-%d %H:%M:%S} UTC",
            },
            code="already_decided",
        )
    return Conflict(
        _("A sanction that is %(state)s cannot go to %(to)s.")
        % {"state": sanction.get_state_display(), "to": to_state},
        code="illegal_transition",
    )


def transition_refusal(edge: Edge, sanction: Sanction, actor) -> PermissionDenied | None:
    """Why `actor` may not take `edge` on `sanction` (the permission, role and four-eyes
    rules `sanction_transition` enforces), or None: pages offer only what they allow."""
    try:
        _check_actor(edge, sanction, actor)
    except PermissionDenied as exc:
        return exc
    return None


def _check_actor(edge: Edge, sanction: Sanction, actor) -> None:
    if actor is None and edge.rule != EXECUTION:
        raise PermissionDenied(_("Only a person can take this decision."))
    if actor is not None and not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may act on measures."))
    if edge.rule == EXECUTION and edge.emergency_only:
        step = emergency_step(sanction)
        problem = emergency_execution_problem(
            sanction, stepped_by_id=step.requested_by_id if step else None, actor=actor
        )
        if problem:
            raise PermissionDenied(problem, code="emergency_step")
    if edge.rule != DECISION:
        return
    if actor.pk == sanction.proposed_by_id:
        raise PermissionDenied(
            _("Four eyes: the proposer cannot decide on their own proposal."), code="four_eyes"
        )
    if needs_manager(sanction) and not actor.has_perm("abusedesk.review_measures"):
        raise PermissionDenied(_("This measure needs a manager's approval."), code="manager_required")
    step = emergency_step(sanction)
    stepped_by_id = step.requested_by_id if step else None
    if edge.to_state == State.MORE_EVIDENCE:
        problem = send_back_problem(sanction, stepped_by_id=stepped_by_id)
        if problem:
            raise PermissionDenied(problem, code="emergency_stepped")
    problem = review_problem(sanction, actor=actor, stepped_by_id=stepped_by_id)
    if problem:
        raise PermissionDenied(problem, code="four_eyes")


def _claim(sanction: Sanction, edge: Edge, actor, now) -> bool:
    """The conditional UPDATE that makes exactly one of two racing callers win."""
    fields = {"state": edge.target}
    if edge.rule == DECISION and (edge.source == State.PROPOSED or edge.unreviewed_emergency_only):
        fields.update(decided_by=actor, decided_at=now)
    if (
        edge.rule == DECISION
        and sanction.emergency
        and sanction.reviewed_at is None
        and edge.to_state != State.MORE_EVIDENCE
    ):
        # Any decision a reviewer takes on an emergency measure is its review, except
        # sending it back: the revised measure is what is carried out and reviewed
        # (checks.py, point 8 of the emergency rule).
        fields["reviewed_at"] = now
    if edge.rule == EXECUTION:
        fields.update(_carried_out_fields(sanction, now))
    if edge.action == "notify":
        fields["notified_at"] = now
    rows = Sanction.objects.filter(pk=sanction.pk, state=sanction.state)
    if edge.unreviewed_emergency_only:
        rows = rows.filter(reviewed_at__isnull=True)
    return rows.update(**fields) == 1


# The longest period a measure may be proposed for (forms and API say the same).
MAX_PERIOD_DAYS = 3650


def _capped(value, limit: int) -> int | None:
    """A stored whole number of hours or days, at most `limit`; None when it is none.

    The numbers come from the record (the proposal, the criteria version it cites); an
    older version or a direct write may hold one no date can take (3,000,000,000 hours),
    and that must not leave the measure stuck: it is read as the longest period allowed."""
    if isinstance(value, bool):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return min(value, limit) if value >= 1 else None


def _carried_out_fields(sanction: Sanction, now) -> dict:
    fields = {"carried_out_at": now}
    days = _capped(sanction.period_days, MAX_PERIOD_DAYS)
    if days:
        fields["ends_at"] = now + timedelta(days=days)
    if not sanction.emergency:
        # POLICY.md: every restriction has a review date.
        hours = _capped((sanction.recommendation or {}).get("review_within_hours"), MAX_REVIEW_HOURS)
        review_in = (
            timedelta(hours=hours) if hours else timedelta(days=settings.ABUSEDESK_MEASURE_REVIEW_DAYS)
        )
        fields["review_due_at"] = fields.get("ends_at") or now + review_in
    return fields


def _side_effects(edge: Edge, sanction: Sanction, actor, reason: str) -> None:
    from screening.services import termination_sync

    from .execution import execution_mark_confirmed, execution_request
    from .notices import notice_prepare

    if edge.rule == EXECUTION:
        execution_mark_confirmed(
            sanction=sanction, action=ExecutionAction.CARRY_OUT, actor=actor, note=reason
        )
    if edge.executes:
        execution_request(sanction=sanction, action=edge.executes, actor=actor, reason=reason)
    elif edge.action == "reject" and sanction.executions.filter(action=ExecutionAction.CARRY_OUT).exists():
        # An emergency execution was already requested: rejecting it means undoing it.
        execution_request(sanction=sanction, action=ExecutionAction.LIFT, actor=actor, reason=reason)
    if edge.notice:
        notice_prepare(sanction=sanction, kind=edge.notice, actor=actor)
    # Sign-up screening and the termination exchange follow intentional L7s carried out or reversed.
    termination_sync(measure=sanction, actor=actor, reason=reason)
