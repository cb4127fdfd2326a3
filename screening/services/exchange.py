"""The forced-termination exchange: signed bundles out (file or API) and in.

What is sent: for each of our standing intentional L7 terminations whose
subscriber's contract has C-15 and whose consent is recorded, an opaque
reference, the termination date, an expiry, the shared key's id and the keyed
hashes of the normalised identifiers; and a withdrawal for every entry we sent
that no longer stands (measure reversed, consent or clause withdrawn). A bundle
is a full snapshot, signed with our Ed25519 key. Nothing else travels: no
name, no address, no case facts.
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, PermissionDenied

from ..choices import Channel, Direction, EntryState, TerminationState, WithdrawalReason
from ..conf import KEY_ID, hash_keys, parse_signing_key, setting
from ..hashing import digests_by_kind
from ..models import ExchangeParticipant, ReceivedDigest, ReceivedEntry, Termination, Transfer
from ..normalise import KEY_KINDS
from ..signing import BundleError, open_bundle, sign_bundle

PAYLOAD_FORMAT = "abusedesk-termination-exchange"
PAYLOAD_VERSION = 1
REASON = "spam_termination"  # an intentional forced termination (L7) for sending spam
MAX_BUNDLE_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 200_000


class ExchangeNotConfigured(ApplicationError):
    status_code = 503
    code = "exchange_not_configured"


def exchange_eligible(now=None):
    """The guard of what may be sent, in one place: every export path uses it."""
    now = now or timezone.now()
    return Termination.objects.filter(
        state=TerminationState.ACTIVE,
        level="L7",
        culpability="intentional",
        expires_at__gt=now,
        subscriber__exchange_clause=True,
        subscriber__exchange_consent_at__isnull=False,
    )


def exchange_to_withdraw(now=None):
    """Entries we sent that no longer stand, until they would have expired anyway."""
    now = now or timezone.now()
    eligible = exchange_eligible(now).values("pk")
    return Termination.objects.filter(first_sent_at__isnull=False, expires_at__gt=now).exclude(
        pk__in=eligible
    )


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _own_identity() -> tuple[str, object]:
    isp_id = setting("ABUSEDESK_EXCHANGE_ISP_ID")
    raw_key = setting("ABUSEDESK_EXCHANGE_SIGNING_KEY")
    if not isp_id or not raw_key:
        raise ExchangeNotConfigured(
            _(
                "The exchange is not configured: "
                "set ABUSEDESK_EXCHANGE_ISP_ID and ABUSEDESK_EXCHANGE_SIGNING_KEY."
            )
        )
    return isp_id, parse_signing_key(raw_key)


def bundle_payload(now=None) -> tuple[dict, list[int], list[int]]:
    """The payload, the ids of the terminations sent as entries and those sent as withdrawals."""
    now = now or timezone.now()
    isp_id, _key = _own_identity()
    keys = hash_keys()
    if not keys:
        raise ExchangeNotConfigured(_("No shared hash key: set ABUSEDESK_EXCHANGE_HASH_KEYS."))
    current = keys[0]
    entries, sent = [], []
    for termination in exchange_eligible(now).prefetch_related("keys").order_by("id"):
        values = {k.kind: k.value for k in termination.keys.all()}
        if not values:
            continue  # nothing to recognise the person by
        entries.append(
            {
                "reference": termination.reference,
                "terminated_on": termination.terminated_at.astimezone(datetime.UTC).date().isoformat(),
                "expires_at": _iso(termination.expires_at),
                "reason": REASON,
                "key_id": current.key_id,
                "digests": dict(sorted(digests_by_kind(current, values).items())),
            }
        )
        sent.append(termination.pk)
    withdrawals, withdrawn = [], []
    for termination in exchange_to_withdraw(now).order_by("id"):
        reversed_ = termination.state == TerminationState.WITHDRAWN
        withdrawals.append(
            {
                "reference": termination.reference,
                "withdrawn_at": _iso(termination.withdrawn_at if reversed_ else now),
                "reason": WithdrawalReason.MEASURE_REVERSED
                if reversed_
                else WithdrawalReason.NO_LONGER_ELIGIBLE,
            }
        )
        withdrawn.append(termination.pk)
    payload = {
        "format": PAYLOAD_FORMAT,
        "version": PAYLOAD_VERSION,
        "sender": isp_id,
        "created_at": _iso(now),
        "entries": entries,
        "withdrawals": withdrawals,
    }
    return payload, sent, withdrawn


def exchange_export(
    *, actor, channel: str, participant: ExchangeParticipant | None = None
) -> tuple[bytes, Transfer]:
    """Sign a snapshot of our entries and withdrawals; record what was sent and to whom."""
    now = timezone.now()
    isp_id, private_key = _own_identity()
    payload, sent, withdrawn = bundle_payload(now)
    data = sign_bundle(payload, signer=isp_id, private_key=private_key)
    with transaction.atomic():
        transfer = Transfer.objects.create(
            direction=Direction.SENT,
            channel=channel,
            participant=participant,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
            bundle_created_at=now,
            bundle_sha256=hashlib.sha256(data).hexdigest(),
            entry_count=len(sent),
            withdrawal_count=len(withdrawn),
            references=[e["reference"] for e in payload["entries"]]
            + [w["reference"] for w in payload["withdrawals"]],
        )
        Termination.objects.filter(pk__in=sent, first_sent_at__isnull=True).update(first_sent_at=now)
        Termination.objects.filter(pk__in=sent + withdrawn).update(last_sent_at=now)
        audit_record(
            actor=actor,
            action="screening.exchange.sent",
            obj=transfer,
            reason=_("Forced-termination exchange (C-15): %(n)s entries, %(w)s withdrawals")
            % {"n": len(sent), "w": len(withdrawn)},
            data={
                "channel": channel,
                "to": participant.isp_id if participant else None,
                "sha256": transfer.bundle_sha256,
                "entries": len(sent),
                "withdrawals": len(withdrawn),
            },
        )
    return data, transfer


def _verify_key_for(isp_id: str) -> str | None:
    participant = ExchangeParticipant.objects.filter(isp_id=isp_id, active=True).first()
    return participant.verify_key if participant else None


def _when(value, field: str) -> datetime.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise BundleError(f"{field}: {value!r} is not an ISO 8601 time with a zone")
    return parsed


def _validated(payload: dict, signer: str) -> dict:
    """The payload checked field by field; BundleError names the first bad one."""
    if payload.get("format") != PAYLOAD_FORMAT or payload.get("version") != PAYLOAD_VERSION:
        raise BundleError(f"payload is not {PAYLOAD_FORMAT} version {PAYLOAD_VERSION}")
    if payload.get("sender") != signer:
        raise BundleError(f"payload sender {payload.get('sender')!r} is not the signer {signer!r}")
    created_at = _when(payload.get("created_at"), "created_at")
    entries, withdrawals = payload.get("entries"), payload.get("withdrawals")
    if not isinstance(entries, list) or not isinstance(withdrawals, list):
        raise BundleError("entries and withdrawals must be lists")
    if len(entries) + len(withdrawals) > MAX_ENTRIES:
        raise BundleError(f"more than {MAX_ENTRIES} entries and withdrawals")
    clean_entries = []
    for index, entry in enumerate(entries):
        where = f"entries[{index}]"
        if not isinstance(entry, dict):
            raise BundleError(f"{where} is not an object")
        reference, key_id, digests = entry.get("reference"), entry.get("key_id"), entry.get("digests")
        if not isinstance(reference, str) or not 1 <= len(reference) <= 40:
            raise BundleError(f"{where}.reference must be a string of 1-40 characters")
        if not isinstance(key_id, str) or not KEY_ID.match(key_id):
            raise BundleError(f"{where}.key_id is missing or malformed")
        terminated_on = (
            parse_date(entry.get("terminated_on") or "")
            if isinstance(entry.get("terminated_on"), str)
            else None
        )
        if terminated_on is None:
            raise BundleError(f"{where}.terminated_on is not a date (YYYY-MM-DD)")
        if entry.get("reason") != REASON:
            raise BundleError(f"{where}.reason must be {REASON!r}")
        if not isinstance(digests, dict) or not digests:
            raise BundleError(f"{where}.digests must be a non-empty object")
        for kind, digest in digests.items():
            if kind not in KEY_KINDS:
                raise BundleError(f"{where}.digests: unknown kind {kind!r}")
            if (
                not isinstance(digest, str)
                or len(digest) != 64
                or any(c not in "0123456789abcdef" for c in digest)
            ):
                raise BundleError(f"{where}.digests.{kind} is not a hex HMAC-SHA256")
        clean_entries.append(
            {
                "reference": reference,
                "key_id": key_id,
                "terminated_on": terminated_on,
                "expires_at": _when(entry.get("expires_at"), f"{where}.expires_at"),
                "digests": digests,
            }
        )
    clean_withdrawals = []
    for index, item in enumerate(withdrawals):
        where = f"withdrawals[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("reference"), str):
            raise BundleError(f"{where} needs a reference")
        if item.get("reason") not in WithdrawalReason.values:
            raise BundleError(f"{where}.reason must be one of {', '.join(WithdrawalReason.values)}")
        clean_withdrawals.append(
            {
                "reference": item["reference"][:40],
                "withdrawn_at": _when(item.get("withdrawn_at"), f"{where}.withdrawn_at"),
                "reason": item["reason"],
            }
        )
    return {"created_at": created_at, "entries": clean_entries, "withdrawals": clean_withdrawals}


def exchange_import(
    *, raw: bytes, actor, channel: str, participant: ExchangeParticipant | None = None
) -> Transfer:
    """Verify a bundle and apply it. `participant` is the authenticated API client, if any.

    Refused whole (BundleError, nothing stored) when the signature, the sender
    or any field is wrong, or when it is older than the last bundle imported
    from the same sender (a replayed snapshot must not undo a withdrawal).
    """
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleError(f"bundle larger than {MAX_BUNDLE_BYTES} bytes")
    signer, payload = open_bundle(raw, verify_key_for=_verify_key_for)
    if participant is not None and signer != participant.isp_id:
        raise PermissionDenied(
            _("This bundle is signed by %(s)s, not by you (%(p)s).") % {"s": signer, "p": participant.isp_id}
        )
    if signer == setting("ABUSEDESK_EXCHANGE_ISP_ID"):
        raise BundleError("this bundle is our own: nothing to import")
    bundle = _validated(payload, signer)
    now = timezone.now()
    known_keys = {k.key_id for k in hash_keys()}
    with transaction.atomic():
        sender = ExchangeParticipant.objects.select_for_update().get(isp_id=signer)
        if sender.last_bundle_at and bundle["created_at"] < sender.last_bundle_at:
            raise Conflict(
                _("This bundle (%(at)s) is older than the last one imported from %(s)s: refused.")
                % {"at": _iso(bundle["created_at"]), "s": signer},
                code="stale_bundle",
            )
        transfer = Transfer.objects.create(
            direction=Direction.RECEIVED,
            channel=channel,
            participant=sender,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
            bundle_created_at=bundle["created_at"],
            bundle_sha256=hashlib.sha256(raw).hexdigest(),
            entry_count=len(bundle["entries"]),
            withdrawal_count=len(bundle["withdrawals"]),
            references=[e["reference"] for e in bundle["entries"]]
            + [w["reference"] for w in bundle["withdrawals"]],
        )
        outcome = _apply(sender, transfer, bundle, known_keys, now)
        transfer.outcome = outcome
        transfer.save(update_fields=["outcome"])
        if sender.last_bundle_at is None or bundle["created_at"] > sender.last_bundle_at:
            sender.last_bundle_at = bundle["created_at"]
            sender.save(update_fields=["last_bundle_at"])
        audit_record(
            actor=actor,
            action="screening.exchange.received",
            obj=transfer,
            reason=_("Forced-termination exchange (C-15) from %(s)s") % {"s": signer},
            data={"channel": channel, "from": signer, "sha256": transfer.bundle_sha256, **outcome},
        )
    return transfer


def _apply(sender, transfer, bundle, known_keys, now) -> dict:
    outcome = {
        "added": 0,
        "updated": 0,
        "withdrawn": 0,
        "expired": 0,
        "unknown_key": 0,
        "already_withdrawn": 0,
    }
    existing = {e.reference: e for e in ReceivedEntry.objects.filter(participant=sender)}
    for item in bundle["entries"]:
        if item["expires_at"] <= now:
            outcome["expired"] += 1
            continue
        if item["key_id"] not in known_keys:
            outcome["unknown_key"] += 1  # hashed with a key we do not hold: could never match
            continue
        entry = existing.get(item["reference"])
        if entry and entry.withdrawn_at and entry.withdrawn_at >= bundle["created_at"]:
            outcome["already_withdrawn"] += 1
            continue
        fields = {
            "terminated_on": item["terminated_on"],
            "expires_at": item["expires_at"],
            "key_id": item["key_id"],
            "state": EntryState.ACTIVE,
            "withdrawn_at": None,
            "withdrawal_reason": "",
            "transfer": transfer,
            "updated_at": now,
        }
        if entry is None:
            entry = ReceivedEntry.objects.create(participant=sender, reference=item["reference"], **fields)
            outcome["added"] += 1
        else:
            ReceivedEntry.objects.filter(pk=entry.pk).update(**fields)
            entry.digests.all().delete()
            outcome["updated"] += 1
        ReceivedDigest.objects.bulk_create(
            ReceivedDigest(entry=entry, kind=kind, digest=digest) for kind, digest in item["digests"].items()
        )
    for item in bundle["withdrawals"]:
        entry = existing.get(item["reference"])
        if entry is None or entry.state == EntryState.WITHDRAWN:
            continue
        ReceivedEntry.objects.filter(pk=entry.pk).update(
            state=EntryState.WITHDRAWN,
            withdrawn_at=item["withdrawn_at"],
            withdrawal_reason=item["reason"],
            transfer=transfer,
            updated_at=now,
        )
        # A withdrawn entry is no longer anyone's data to match against: its hashes go.
        ReceivedDigest.objects.filter(entry=entry).delete()
        outcome["withdrawn"] += 1
    return outcome


def exchange_expire(*, now=None) -> int:
    """Entries past their expiry: marked expired and their hashes deleted. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = ReceivedEntry.objects.filter(Q(expires_at__lte=now), state=EntryState.ACTIVE)
        ids = list(expired.values_list("pk", flat=True))
        ReceivedDigest.objects.filter(entry_id__in=ids).delete()
        count = ReceivedEntry.objects.filter(pk__in=ids).update(state=EntryState.EXPIRED, updated_at=now)
        if count:
            audit_record(
                action="screening.exchange.expired",
                object_type="screening.receivedentry",
                object_id="-",
                reason="entries past their expiry",
                data={"count": count},
            )
    return count


def participant_register(
    *, isp_id: str, name: str, verify_key: str, user=None, actor=None
) -> ExchangeParticipant:
    from ..conf import ISP_ID
    from ..signing import parse_public_key

    isp_id = (isp_id or "").strip().lower()
    if not ISP_ID.match(isp_id):
        raise ApplicationError(
            _("An ISP id is lower-case letters, digits, dots and hyphens."), fields={"isp_id": ["invalid"]}
        )
    try:
        parse_public_key(verify_key)
    except ValueError as exc:
        raise ApplicationError(str(exc), fields={"verify_key": ["invalid"]}) from None
    if ExchangeParticipant.objects.filter(isp_id=isp_id).exists():
        raise Conflict(_("Participant %(id)s already exists.") % {"id": isp_id})
    with transaction.atomic():
        participant = ExchangeParticipant.objects.create(
            isp_id=isp_id, name=(name or isp_id).strip(), verify_key=verify_key.strip(), user=user
        )
        audit_record(
            actor=actor,
            action="screening.participant.registered",
            obj=participant,
            reason=f"exchange participant {isp_id}",
            data={"isp_id": isp_id, "api_user": user.get_username() if user else None},
        )
    return participant


def participant_set_active(*, isp_id: str, active: bool, reason: str, actor=None) -> ExchangeParticipant:
    """Stop (or resume) taking a participant's bundles and answering its API calls."""
    if not (reason or "").strip():
        raise ApplicationError(_("Say why."), fields={"reason": ["required"]})
    with transaction.atomic():
        participant = ExchangeParticipant.objects.select_for_update().filter(isp_id=isp_id).first()
        if participant is None:
            raise ApplicationError(
                _("No participant %(id)s.") % {"id": isp_id}, fields={"isp_id": ["invalid"]}
            )
        if participant.active != active:
            participant.active = active
            participant.save(update_fields=["active"])
            audit_record(
                actor=actor,
                action="screening.participant.activated" if active else "screening.participant.deactivated",
                obj=participant,
                reason=reason.strip(),
                data={"isp_id": isp_id},
            )
    return participant


__all__ = [
    "Channel",
    "exchange_eligible",
    "exchange_expire",
    "exchange_export",
    "exchange_import",
    "exchange_to_withdraw",
    "participant_register",
    "participant_set_active",
]
