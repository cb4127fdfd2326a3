"""Carrying out and lifting measures through the configured executor.

The request is written with the decision (same transaction); the executor runs
from a task after commit, outside any transaction, because it may call the
network. Confirmation — by a person or by the provisioning system's answer —
completes the carried_out transition.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied

from ..checks import case_closed_problem, emergency_problems
from ..choices import MANAGER_LEVEL, ExecutionAction, ExecutionStatus, State, level_rank
from ..executors import TransientExecutionError, executor_name, get_executor
from ..models import Execution, Sanction
from .propose import facts_refusal, sanction_facts_problems


def idempotency_key(sanction: Sanction, action: str) -> str:
    return f"abusedesk-sanction-{sanction.pk}-{action}"


def instruction(sanction: Sanction, action: str) -> dict:
    """What the provisioning system needs to act, and nothing about the complaint."""
    account = sanction.account
    return {
        "idempotency_key": idempotency_key(sanction, action),
        "action": action,
        "sanction": sanction.pk,
        "reference": sanction.reference,
        "case": sanction.case_id,
        "level": sanction.level,
        # Which L3 restriction, and a cap's rate: what to put in place (or take away).
        "restriction": sanction.restriction or None,
        "rate_per_hour": sanction.rate_per_hour,
        "target_kind": sanction.target_kind,
        "account_id": account.account_id if account else None,
        "account_kind": account.kind if account else None,
        "identifier": account.identifier if account else None,
        "content_ref": sanction.content_ref or None,
        "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
    }


def execution_request(*, sanction: Sanction, action: str, actor, reason: str) -> Execution:
    """Create the instruction once per sanction and action, and run it after commit."""
    execution, created = Execution.objects.get_or_create(
        sanction=sanction,
        action=action,
        defaults={
            "executor": executor_name(),
            "idempotency_key": idempotency_key(sanction, action),
            "request": instruction(sanction, action),
            "requested_by": actor,
        },
    )
    if created:
        audit_record(
            actor=actor,
            action=f"execution.{action}.requested",
            obj=execution,
            case_id=sanction.case_id,
            reason=reason,
            data={"executor": execution.executor, "instruction": execution.request},
        )
        _enqueue(execution.pk)
    return execution


def _enqueue(execution_id: int) -> None:
    from ..tasks import run_execution

    # robust: with eager tasks an unreachable provisioning system must not turn
    # an already committed decision into an error page.
    transaction.on_commit(lambda: run_execution.delay(execution_id), robust=True)


def execution_run(*, execution_id: int) -> Execution:
    """Run the executor once. Raises TransientExecutionError for the task to retry."""
    execution = Execution.objects.select_related("sanction").get(pk=execution_id)
    if execution.status == ExecutionStatus.CONFIRMED:
        return execution  # a re-sent task: nothing left to do
    refusal = _not_executable(execution)
    if refusal:
        # Decided otherwise since the request (rejected, lifted): the executor is never called.
        Execution.objects.filter(pk=execution_id).exclude(status=ExecutionStatus.CONFIRMED).update(
            status=ExecutionStatus.FAILED, last_error=refusal
        )
        execution.refresh_from_db()
        return execution
    executor = get_executor(execution.executor)
    Execution.objects.filter(pk=execution_id).update(attempts=F("attempts") + 1)
    try:
        outcome = executor.run(execution.request)
    except TransientExecutionError as exc:
        Execution.objects.filter(pk=execution_id).exclude(status=ExecutionStatus.CONFIRMED).update(
            response_status=exc.status, response_body=exc.body, last_error=str(exc)
        )
        raise
    status = ExecutionStatus.SENT if outcome.status else ExecutionStatus.PENDING
    if outcome.error:
        status = ExecutionStatus.FAILED
    Execution.objects.filter(pk=execution_id).exclude(status=ExecutionStatus.CONFIRMED).update(
        status=status, response_status=outcome.status, response_body=outcome.body, last_error=outcome.error
    )
    if outcome.done:
        _complete(
            execution, note=_("Confirmed by the provisioning system (HTTP %(s)s).") % {"s": outcome.status}
        )
    execution.refresh_from_db()
    return execution


def _not_executable(execution: Execution) -> str:
    """Why this instruction must not reach the provisioning system now ("" when it may)."""
    if execution.action != ExecutionAction.CARRY_OUT:
        return ""
    sanction = execution.sanction
    if case_closed_problem(sanction.case):
        return "not carried out: the case was closed after the measure was approved"
    if sanction.state == State.PROPOSED and sanction.emergency:
        problems = emergency_problems(
            level=sanction.level,
            clause_ids=[c.get("catalogue_id") for c in sanction.clauses],
            recommendation=sanction.recommendation or {},
        )
        if problems:
            return "not carried out: the emergency rule refuses it"
    elif sanction.state != State.APPROVED:
        return f"not carried out: the sanction is {sanction.state}"
    # The case's facts may have changed since the decision (or the emergency step).
    problems = sanction_facts_problems(sanction)
    if problems:
        reasons = " ".join(message for messages in problems.values() for message in messages)
        return f"not carried out: the case's facts no longer support the measure. {reasons}"
    return ""


def execution_give_up(*, execution_id: int, error: str) -> None:
    """Retries are exhausted: a person has to carry it out and confirm by hand."""
    Execution.objects.filter(pk=execution_id).exclude(status=ExecutionStatus.CONFIRMED).update(
        status=ExecutionStatus.FAILED, last_error=error
    )


def _complete(execution: Execution, *, note: str) -> None:
    from .transition import sanction_transition

    if execution.action == ExecutionAction.CARRY_OUT:
        try:
            sanction_transition(
                sanction_id=execution.sanction_id, to_state=State.CARRIED_OUT, actor=None, reason=note
            )
            return
        except Conflict:
            pass  # decided otherwise meanwhile (e.g. rejected): keep the answer on record below
    with transaction.atomic():
        execution_mark_confirmed(sanction=execution.sanction, action=execution.action, actor=None, note=note)


def execution_mark_confirmed(*, sanction: Sanction, action: str, actor, note: str) -> Execution:
    """Confirm the execution, creating it when a person acted without one (an emergency by hand)."""
    now = timezone.now()
    execution, created = Execution.objects.get_or_create(
        sanction=sanction,
        action=action,
        defaults={
            "executor": "manual",
            "idempotency_key": idempotency_key(sanction, action),
            "request": instruction(sanction, action),
            "requested_by": actor,
            "status": ExecutionStatus.CONFIRMED,
            "confirmed_at": now,
            "confirmed_by": actor,
            "confirmed_note": note,
        },
    )
    if not created:
        Execution.objects.filter(pk=execution.pk).exclude(status=ExecutionStatus.CONFIRMED).update(
            status=ExecutionStatus.CONFIRMED, confirmed_at=now, confirmed_by=actor, confirmed_note=note
        )
        execution.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"execution.{action}.confirmed",
        obj=execution,
        case_id=sanction.case_id,
        reason=note,
    )
    return execution


def execution_confirm(*, execution_id: int, actor, note: str) -> Execution:
    """A person says the instruction was carried out (manual executor, or a webhook that failed)."""
    from .transition import sanction_transition

    execution = Execution.objects.select_related("sanction").filter(pk=execution_id).first()
    if execution is None:
        raise NotFound(f"no execution {execution_id}")
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may confirm measures."))
    if execution.status == ExecutionStatus.CONFIRMED:
        raise Conflict(_("This was already confirmed."), code="already_confirmed")
    note = (note or "").strip()
    if not note and execution.sanction.emergency and execution.action == ExecutionAction.CARRY_OUT:
        # C-09: the record of a measure taken before approval shows exactly what was done.
        raise ApplicationError(
            _("Say what was done: an emergency measure is recorded as carried out."),
            fields={"note": [_("This field is required.")]},
        )
    note = note or _("Carried out by hand.")
    if execution.action == ExecutionAction.CARRY_OUT:
        sanction_transition(
            sanction_id=execution.sanction_id, to_state=State.CARRIED_OUT, actor=actor, reason=note
        )
    else:
        with transaction.atomic():
            execution_mark_confirmed(
                sanction=execution.sanction, action=execution.action, actor=actor, note=note
            )
    execution.refresh_from_db()
    return execution


def emergency_step(sanction: Sanction) -> Execution | None:
    """The emergency step taken on this sanction: its carry-out request made before any decision."""
    if not sanction.emergency:
        return None
    return (
        Execution.objects.filter(sanction=sanction, action=ExecutionAction.CARRY_OUT)
        .exclude(requested_by=None)
        .first()
    )


def sanction_emergency_execute(
    *, sanction_id: int, actor, reason: str, seen_revision: int | None = None
) -> Execution:
    """Act before approval (C-09): request the execution of an emergency proposal now.

    The emergency rule (checks.py) is checked again on what the record holds, so a
    row written by other means than `sanction_propose` cannot be carried out early.
    `seen_revision` as in `sanction_transition`: a step taken on a page read before the
    proposal was revised is refused.
    """
    reason = (reason or "").strip()
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may act on measures."))
    if not reason:
        raise ApplicationError(
            _("Say why it cannot wait for approval."), fields={"reason": [_("This field is required.")]}
        )
    with transaction.atomic():
        sanction = (
            Sanction.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=sanction_id)
            .first()
        )
        if sanction is None:
            raise NotFound(f"no sanction {sanction_id}")
        if not sanction.emergency or sanction.state != State.PROPOSED:
            raise Conflict(
                _("Only an emergency proposal can be carried out before approval."), code="not_emergency"
            )
        from .transition import sanction_revision, stale_read_refusal

        if seen_revision is not None and seen_revision != sanction_revision(sanction):
            raise stale_read_refusal()
        closed = case_closed_problem(sanction.case)
        if closed:
            raise Conflict(closed, code="case_closed")
        problems = emergency_problems(
            level=sanction.level,
            clause_ids=[c.get("catalogue_id") for c in sanction.clauses],
            recommendation=sanction.recommendation or {},
        )
        if problems:
            raise ApplicationError(
                _("This measure may not be carried out before approval."),
                fields=problems,
                code="emergency_refused",
            )
        refusal = facts_refusal(sanction)
        if refusal:
            raise refusal
        if (
            executor_name() != "manual"
            and actor.pk == sanction.proposed_by_id
            and level_rank(sanction.level) >= level_rank(MANAGER_LEVEL)
        ):
            # The provisioning system confirms on its own: the proposer taking the step
            # would carry out an L4 or higher measure alone (point 6 of the rule).
            raise PermissionDenied(
                _(
                    "Four eyes: with automatic execution, another person takes the emergency "
                    "step of an L4 or higher measure."
                )
            )
        return execution_request(
            sanction=sanction, action=ExecutionAction.CARRY_OUT, actor=actor, reason=reason
        )
