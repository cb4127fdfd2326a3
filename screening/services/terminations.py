"""Our own intentional L7 terminations: recorded and withdrawn by the sanctions hook.

`termination_sync` is the one function sanctions calls, after every transition
of a measure, in the transition's transaction. Screening does not import
sanctions: it reads these attributes of the measure it is handed:
pk, reference, case_id, level, culpability, state, emergency, reviewed_at,
carried_out_at, account (with .subscriber).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Protocol

from django.utils import timezone

from abusedesk.audit import audit_record
from subscribers.models import Subscriber

from ..choices import TerminationState
from ..conf import setting
from ..models import Termination, TerminationKey
from ..normalise import identifier_keys

# The sanction states (sanctions.choices.State values) in which a measure is in force,
# and those that mean it was reversed or never stood.
IN_FORCE = {"carried_out", "notified", "hearing", "upheld"}
REVERSED = {"lifted", "rejected"}
TERMINATION_LEVEL = "L7"
INTENTIONAL = "intentional"


class Measure(Protocol):
    pk: int
    reference: str
    case_id: int | None
    level: str
    culpability: str
    state: str
    emergency: bool
    reviewed_at: object
    carried_out_at: object
    account_id: int | None


def subscriber_identifiers(subscriber: Subscriber) -> dict[str, str]:
    return {
        "name": subscriber.name,
        "kana": subscriber.name_kana,
        "address": subscriber.postal_address,
        "phone": subscriber.phone,
        "email": subscriber.email,
        "card": subscriber.card_fingerprint,
    }


def termination_sync(*, measure: Measure, actor, reason: str) -> Termination | None:
    """Record an intentional L7 once it stands; withdraw it when it is reversed.

    "Stands" means carried out and, for an emergency measure, reviewed: an
    unreviewed emergency termination is not yet a decision to tell anyone about.
    Idempotent: called after every transition, it acts only on a change.
    """
    if measure.level != TERMINATION_LEVEL:
        return None
    existing = Termination.objects.filter(sanction_id=measure.pk).first()
    stands = measure.state in IN_FORCE and (not measure.emergency or measure.reviewed_at is not None)
    if existing is None:
        if stands and measure.culpability == INTENTIONAL and measure.account_id:
            return _record(measure, actor, reason)
        return None
    if existing.state == TerminationState.ACTIVE and measure.state in REVERSED:
        return termination_withdraw(termination=existing, actor=actor, reason=reason)
    return existing


def _record(measure: Measure, actor, reason: str) -> Termination:
    subscriber = measure.account.subscriber
    at = measure.carried_out_at or timezone.now()
    keys, errors = identifier_keys(subscriber_identifiers(subscriber))
    termination = Termination.objects.create(
        sanction_id=measure.pk,
        sanction_reference=measure.reference,
        case_id=measure.case_id,
        subscriber=subscriber,
        level=measure.level,
        culpability=measure.culpability,
        reference="T-" + secrets.token_hex(10).upper(),
        terminated_at=at,
        expires_at=at + timedelta(days=setting("ABUSEDESK_EXCHANGE_ENTRY_DAYS")),
    )
    TerminationKey.objects.bulk_create(
        TerminationKey(termination=termination, kind=kind, value=value) for kind, value in keys.items()
    )
    audit_record(
        actor=actor,
        action="screening.termination.recorded",
        obj=termination,
        case_id=measure.case_id,
        reason=reason,
        data={
            "sanction": measure.pk,
            "reference": termination.reference,
            "indexed": sorted({kind.split("_")[0] for kind in keys}),
            "not_indexed": sorted(errors),  # stored values that do not parse; never the values
        },
    )
    return termination


def termination_withdraw(*, termination: Termination, actor, reason: str) -> Termination:
    """The measure was reversed: no longer screened against; withdrawn from the exchange."""
    updated = Termination.objects.filter(pk=termination.pk, state=TerminationState.ACTIVE).update(
        state=TerminationState.WITHDRAWN, withdrawn_at=timezone.now(), withdrawal_reason=reason
    )
    termination.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action="screening.termination.withdrawn",
            obj=termination,
            case_id=termination.case_id,
            reason=reason,
            data={
                "sanction": termination.sanction_id,
                "reference": termination.reference,
                "was_sent": termination.first_sent_at is not None,
            },
        )
    return termination
