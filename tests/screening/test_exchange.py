"""Export and import of signed bundles: guards, withdrawal, expiry, refusals."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from abusedesk.errors import ApplicationError, Conflict
from abusedesk.models import AuditEntry
from screening.choices import Channel, Direction, EntryState, Verdict
from screening.conf import parse_hash_keys
from screening.hashing import digests_by_kind
from screening.models import ReceivedDigest, ReceivedEntry, Termination, Transfer
from screening.normalise import identifier_keys
from screening.services import exchange_expire, exchange_export, exchange_import, screening_run
from screening.signing import open_bundle, sign_bundle

from .conftest import HASH_KEY, applicant, make_subscriber, random_reference, reverse, terminate

pytestmark = pytest.mark.django_db


def _iso(value):
    return value.isoformat().replace("+00:00", "Z")


def peer_bundle(
    peer, identities, *, expires_at=None, withdrawals=(), created_at=None, key=HASH_KEY, references=None
):
    """A bundle as the peer ISP would send it: its entries hashed with the shared key, signed by it."""
    hash_key = parse_hash_keys(key)[0]
    now = timezone.now()
    entries = []
    for index, ids in enumerate(identities):
        keys, errors = identifier_keys(ids)
        assert not errors
        entries.append(
            {
                "reference": references[index] if references else random_reference(),
                "terminated_on": (now - timedelta(days=10)).date().isoformat(),
                "expires_at": _iso(expires_at or now + timedelta(days=700)),
                "reason": "spam_termination",
                "key_id": hash_key.key_id,
                "digests": digests_by_kind(hash_key, keys),
            }
        )
    payload = {
        "format": "abusedesk-termination-exchange",
        "version": 1,
        "sender": peer.participant.isp_id,
        "created_at": _iso(created_at or now),
        "entries": entries,
        "withdrawals": list(withdrawals),
    }
    return sign_bundle(payload, signer=peer.participant.isp_id, private_key=peer.key)


def receive(peer, raw):
    return exchange_import(raw=raw, actor=None, channel=Channel.FILE)


def exported(our_key):
    data, transfer = exchange_export(actor=None, channel=Channel.FILE)
    from screening.signing import public_key_text

    signer, payload = open_bundle(data, verify_key_for=lambda isp: public_key_text(our_key))
    return payload, transfer


def test_only_intentional_l7_with_the_clause_and_consent_is_exported(exchange, our_key):
    sent = terminate(make_subscriber())
    terminate(make_subscriber(phone="03-1111-2222", exchange_consent_at=None))
    terminate(make_subscriber(phone="03-1111-3333", exchange_clause=False, exchange_consent_at=None))
    assert terminate(make_subscriber(phone="03-1111-4444"), culpability="victim") is None
    assert terminate(make_subscriber(phone="03-1111-5555"), level="L6") is None
    payload, transfer = exported(our_key)
    assert [e["reference"] for e in payload["entries"]] == [sent.reference]
    assert payload["sender"] == "jp.our-isp" and payload["withdrawals"] == []
    entry = payload["entries"][0]
    assert entry["key_id"] == "k2026" and set(entry["digests"]) >= {
        "name",
        "kana",
        "address",
        "phone",
        "email",
        "card",
    }
    assert transfer.direction == Direction.SENT and transfer.references == [sent.reference]
    assert Termination.objects.get(pk=sent.pk).first_sent_at is not None
    assert AuditEntry.objects.filter(action="screening.exchange.sent", object_id=str(transfer.pk)).exists()


def test_a_reversed_measure_travels_as_a_withdrawal_and_withdraws_the_entry_at_the_receiver(
    exchange, our_key, peer, staff
):
    # We terminate, send, then reverse; the peer (here: this desk acting as the peer's importer) must drop it.
    termination = terminate(make_subscriber())
    exported(our_key)
    reverse(termination)
    payload, _ = exported(our_key)
    assert payload["entries"] == []
    assert payload["withdrawals"] == [
        {
            "reference": termination.reference,
            "reason": "measure_reversed",
            "withdrawn_at": payload["withdrawals"][0]["withdrawn_at"],
        }
    ]
    # The receiving side of the same rule: the peer withdraws one of its entries.
    reference = random_reference()
    receive(peer, peer_bundle(peer, [applicant()], references=[reference]))
    assert (
        screening_run(identifiers=applicant(), purpose="p", actor=staff, channel=Channel.API).verdict
        == Verdict.MATCH
    )
    withdrawal = {"reference": reference, "withdrawn_at": _iso(timezone.now()), "reason": "measure_reversed"}
    transfer = receive(peer, peer_bundle(peer, [], withdrawals=[withdrawal]))
    assert transfer.outcome["withdrawn"] == 1
    entry = ReceivedEntry.objects.get(reference=reference)
    assert entry.state == EntryState.WITHDRAWN and not entry.digests.exists()
    assert (
        screening_run(identifiers=applicant(), purpose="p", actor=staff, channel=Channel.API).verdict
        == Verdict.NO_MATCH
    )


def test_withdrawn_consent_turns_a_sent_entry_into_a_withdrawal(exchange, our_key):
    subscriber = make_subscriber()
    termination = terminate(subscriber)
    exported(our_key)
    subscriber.exchange_consent_at = None
    subscriber.save()
    payload, _ = exported(our_key)
    assert payload["entries"] == []
    assert payload["withdrawals"][0]["reference"] == termination.reference
    assert payload["withdrawals"][0]["reason"] == "no_longer_eligible"


def test_a_replayed_older_bundle_cannot_undo_a_withdrawal(exchange, peer):
    reference = random_reference()
    old = peer_bundle(
        peer, [applicant()], references=[reference], created_at=timezone.now() - timedelta(hours=1)
    )
    receive(peer, old)
    withdrawal = {"reference": reference, "withdrawn_at": _iso(timezone.now()), "reason": "measure_reversed"}
    receive(peer, peer_bundle(peer, [], withdrawals=[withdrawal]))
    with pytest.raises(Conflict, match="older"):
        receive(peer, old)
    assert ReceivedEntry.objects.get(reference=reference).state == EntryState.WITHDRAWN


def test_expired_entries_are_not_imported_and_expire_later(exchange, peer):
    transfer = receive(
        peer, peer_bundle(peer, [applicant()], expires_at=timezone.now() - timedelta(minutes=1))
    )
    assert transfer.outcome["expired"] == 1 and not ReceivedEntry.objects.exists()
    receive(
        peer,
        peer_bundle(peer, [applicant(phone="03-9999-0000")], expires_at=timezone.now() + timedelta(days=1)),
    )
    assert exchange_expire(now=timezone.now() + timedelta(days=2)) == 1
    assert ReceivedEntry.objects.get().state == EntryState.EXPIRED and not ReceivedDigest.objects.exists()
    assert exchange_expire(now=timezone.now() + timedelta(days=2)) == 0


def test_our_exported_entries_expire_with_their_termination(exchange, our_key):
    termination = terminate(make_subscriber())
    Termination.objects.filter(pk=termination.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    payload, _ = exported(our_key)
    assert payload["entries"] == [] and payload["withdrawals"] == []


def test_entries_hashed_with_a_key_we_do_not_hold_are_counted_not_kept(exchange, peer):
    other = "k2099:" + "b" * 43
    transfer = receive(peer, peer_bundle(peer, [applicant()], key=other))
    assert transfer.outcome["unknown_key"] == 1 and not ReceivedEntry.objects.exists()


def test_rotation_old_key_entries_still_match_while_the_old_key_is_configured(
    exchange, peer, staff, settings
):
    from .conftest import OLD_HASH_KEY

    settings.ABUSEDESK_EXCHANGE_HASH_KEYS = f"{HASH_KEY},{OLD_HASH_KEY}"
    receive(peer, peer_bundle(peer, [applicant()], key=OLD_HASH_KEY))
    assert (
        screening_run(identifiers=applicant(), purpose="p", actor=staff, channel=Channel.API).verdict
        == Verdict.MATCH
    )
    settings.ABUSEDESK_EXCHANGE_HASH_KEYS = HASH_KEY
    assert (
        screening_run(identifiers=applicant(), purpose="p", actor=staff, channel=Channel.API).verdict
        == Verdict.NO_MATCH
    )


def _tamper(raw: bytes, change) -> bytes:
    envelope = json.loads(raw)
    payload = json.loads(envelope["payload"])
    change(payload)
    envelope["payload"] = json.dumps(payload)
    return json.dumps(envelope).encode()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda raw: b"not json", "invalid JSON"),
        (lambda raw: _tamper(raw, lambda p: p["entries"][0].update(key_id="k2025")), "does not verify"),
        (lambda raw: raw.replace(b'"jp.peer-isp"', b'"jp.unknown"', 1), "unknown or inactive sender"),
        (lambda raw: raw.replace(b"Ed25519", b"HS256"), "unsupported signature algorithm"),
    ],
    ids=["garbage", "tampered", "unknown-sender", "algorithm"],
)
def test_bad_bundles_are_refused_whole(exchange, peer, mangle, message):
    with pytest.raises(ApplicationError, match=message):
        receive(peer, mangle(peer_bundle(peer, [applicant()])))
    assert not ReceivedEntry.objects.exists() and not Transfer.objects.exists()


def test_a_well_signed_bundle_with_a_bad_field_is_refused_naming_it(exchange, peer):
    from screening.signing import sign_bundle as sign

    raw = peer_bundle(peer, [applicant()])
    payload = json.loads(json.loads(raw)["payload"])
    payload["entries"][0]["digests"]["phone"] = "0901234567"  # a clear value where a hash belongs
    with pytest.raises(ApplicationError, match=r"entries\[0\]\.digests\.phone"):
        receive(peer, sign(payload, signer="jp.peer-isp", private_key=peer.key))
    payload["entries"][0]["digests"] = {"name": "0" * 64}
    payload["sender"] = "jp.our-isp"
    with pytest.raises(ApplicationError, match="not the signer"):
        receive(peer, sign(payload, signer="jp.peer-isp", private_key=peer.key))
