"""Opt-in filtering for our receiving customers (POLICY.md rule 13, clause C-16).

A customer who complains about spam they received is offered filtering (the reply
template `filtering_offer`). Their answer is recorded here: consent or withdrawal,
when they gave it, by which channel, who recorded it. Each record tells the
provisioning side through the executor measures use (sanctions.executors: manual or
the signed webhook), once, with an idempotency key.

The guard: nobody's mail is filtered without a recorded consent. A "filter on"
instruction exists only as the follow-up of a consent record, and is checked again
just before it leaves: if a withdrawal was recorded meanwhile, it is never sent.
Browser, API and command all come here; the admin only shows the records.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from sanctions.executors import TransientExecutionError, executor_name, get_executor
from subscribers.choices import AccountKind
from subscribers.models import Subscriber

from ..choices import ConsentChannel, FilteringAction, InstructionAction, InstructionStatus
from ..models import FilteringConsent, FilteringInstruction
from ..selectors import filtering_latest

CLOCK_SKEW = timedelta(minutes=5)


def filtering_consent_record(
    *,
    subscriber: Subscriber,
    action: str,
    given_at: datetime | None,
    channel: str,
    recorder,
    note: str = "",
    case=None,
) -> FilteringConsent:
    """Record a consent or a withdrawal and instruct the provisioning side after commit."""
    if not recorder.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may record a customer's consent."))
    problems = {}
    if action not in FilteringAction.values:
        problems["action"] = [_("Choose consent or withdrawal.")]
    if channel not in ConsentChannel.values:
        problems["channel"] = [_("Say how the customer told us (web, phone, e-mail, letter, in person).")]
    if given_at is None:
        problems["given_at"] = [_("Say when the customer gave it.")]
    elif timezone.is_naive(given_at):
        problems["given_at"] = [_("The time needs a time zone.")]
    elif given_at > timezone.now() + CLOCK_SKEW:
        problems["given_at"] = [_("The time is in the future.")]
    if case is not None and not _case_concerns(case, subscriber):
        # Filed under a case, the consent is on that case's record and timeline: only
        # under a case that names one of this customer's accounts.
        problems["case"] = [_("Case %(case)s names none of this customer's accounts.") % {"case": case.pk}]
    if problems:
        raise ApplicationError(_("The consent record is incomplete."), fields=problems)
    with transaction.atomic():
        # One writer per subscriber at a time: the state a withdrawal checks is the latest.
        Subscriber.objects.select_for_update().filter(pk=subscriber.pk).exists()
        latest = filtering_latest(subscriber)
        consented = latest is not None and latest.action == FilteringAction.CONSENT
        if action == FilteringAction.CONSENT and consented:
            raise Conflict(_("The customer's consent is already recorded."), code="already_consented")
        if action == FilteringAction.WITHDRAW and not consented:
            raise Conflict(_("There is no consent to withdraw."), code="no_consent")
        consent = FilteringConsent.objects.create(
            subscriber=subscriber,
            action=action,
            given_at=given_at,
            channel=channel,
            note=(note or "").strip(),
            case=case,
            recorded_by=recorder,
        )
        audit_record(
            actor=recorder,
            action=f"filtering.{action}_recorded",
            obj=consent,
            case_id=case.pk if case else None,
            reason=consent.note,
            data={
                "subscriber": subscriber.subscriber_id,
                "given_at": given_at,
                "channel": channel,
            },
        )
        _instruct(consent, recorder)
    return consent


def _instruct(consent: FilteringConsent, actor) -> FilteringInstruction:
    on = consent.action == FilteringAction.CONSENT
    action = InstructionAction.FILTER_ON if on else InstructionAction.FILTER_OFF
    key = f"abusedesk-filtering-{consent.pk}-{action}"
    subscriber = consent.subscriber
    request = {
        "idempotency_key": key,
        "action": action,
        "subscriber_id": subscriber.subscriber_id,
        "mail_accounts": list(
            subscriber.accounts.filter(kind=AccountKind.MAIL).values_list("identifier", flat=True)
        ),
        "consent": consent.pk,
        "consent_given_at": consent.given_at.isoformat(),
        "channel": consent.channel,
        "clause": "C-16",
    }
    instruction = FilteringInstruction.objects.create(
        consent=consent, action=action, executor=executor_name(), idempotency_key=key, request=request
    )
    audit_record(
        actor=actor,
        action=f"filtering.{action}.requested",
        obj=instruction,
        case_id=consent.case_id,
        data={"executor": instruction.executor, "instruction": request},
    )
    from ..tasks import run_filtering_instruction

    transaction.on_commit(lambda: run_filtering_instruction.delay(instruction.pk), robust=True)
    return instruction


def _refusal(instruction: FilteringInstruction) -> str:
    """Why this instruction must not leave now ("" when it may): the guard."""
    if instruction.action != InstructionAction.FILTER_ON:
        return ""
    latest = filtering_latest(instruction.consent.subscriber)
    if latest is None or latest.pk != instruction.consent_id:
        return "not sent: the consent was withdrawn (or superseded) before it was sent"
    return ""


def instruction_run(*, instruction_id: int) -> FilteringInstruction:
    instruction = FilteringInstruction.objects.select_related("consent__subscriber").get(pk=instruction_id)
    rows = FilteringInstruction.objects.filter(pk=instruction_id).exclude(status=InstructionStatus.CONFIRMED)
    if instruction.status == InstructionStatus.CONFIRMED:
        return instruction
    refusal = _refusal(instruction)
    if refusal:
        rows.update(status=InstructionStatus.FAILED, last_error=refusal)
        instruction.refresh_from_db()
        return instruction
    rows.update(attempts=F("attempts") + 1)
    try:
        outcome = get_executor(instruction.executor).run(instruction.request)
    except TransientExecutionError as exc:
        rows.update(response_status=exc.status, response_body=exc.body, last_error=str(exc))
        raise
    status = InstructionStatus.SENT if outcome.status else InstructionStatus.PENDING
    if outcome.error:
        status = InstructionStatus.FAILED
    rows.update(
        status=status, response_status=outcome.status, response_body=outcome.body, last_error=outcome.error
    )
    if outcome.done:
        _confirm(
            instruction, actor=None, note=f"Confirmed by the provisioning system (HTTP {outcome.status})."
        )
    instruction.refresh_from_db()
    return instruction


def instruction_give_up(*, instruction_id: int, error: str) -> None:
    FilteringInstruction.objects.filter(pk=instruction_id).exclude(status=InstructionStatus.CONFIRMED).update(
        status=InstructionStatus.FAILED, last_error=error
    )


def _confirm(instruction: FilteringInstruction, *, actor, note: str) -> None:
    with transaction.atomic():
        changed = (
            FilteringInstruction.objects.filter(pk=instruction.pk)
            .exclude(status=InstructionStatus.CONFIRMED)
            .update(
                status=InstructionStatus.CONFIRMED,
                confirmed_at=timezone.now(),
                confirmed_by=actor,
                confirmed_note=note,
            )
        )
        if changed:
            audit_record(
                actor=actor,
                action=f"filtering.{instruction.action}.confirmed",
                obj=instruction,
                case_id=instruction.consent.case_id,
                reason=note,
            )


def instruction_confirm(*, instruction_id: int, actor, note: str) -> FilteringInstruction:
    """A person says the provisioning side did it (manual executor, or a failed webhook)."""
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may confirm instructions."))
    instruction = (
        FilteringInstruction.objects.select_related("consent__subscriber").filter(pk=instruction_id).first()
    )
    if instruction is None:
        raise NotFound(f"no instruction {instruction_id}")
    if instruction.status == InstructionStatus.CONFIRMED:
        raise Conflict(_("This was already confirmed."), code="already_confirmed")
    refusal = _refusal(instruction)
    if refusal:
        # The guard holds for people too: no filtering is confirmed on a withdrawn consent.
        raise Conflict(_("The consent was withdrawn: filtering must not be turned on."), code="withdrawn")
    _confirm(instruction, actor=actor, note=(note or "").strip() or _("Done by hand."))
    instruction.refresh_from_db()
    return instruction


def _case_concerns(case, subscriber: Subscriber) -> bool:
    from subscribers.models import Account

    return Account.objects.filter(subscriber=subscriber, account_id__in=case.accounts or []).exists()
