"""screening_run: compares, answers with references, audits the purpose, keeps no identifiers."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from abusedesk.errors import ApplicationError, PermissionDenied
from abusedesk.models import AuditEntry
from screening.choices import Channel, Verdict
from screening.models import ScreeningQuery
from screening.services import screening_run

from .conftest import applicant, make_subscriber, reverse, terminate

pytestmark = pytest.mark.django_db


def run(actor, **identifiers):
    return screening_run(
        identifiers=identifiers, purpose="new FTTH application", actor=actor, channel=Channel.BROWSER
    )


def test_a_terminated_subscriber_reapplying_in_other_notations_is_a_match(staff):
    termination = terminate(make_subscriber())
    query = run(
        staff,
        name="山田・太郎",
        kana="ﾔﾏﾀﾞ ﾀﾛｰ",
        address="渋谷区神宮前３－４－５－２０１",
        phone="+81 90 1234 5678",
        email="someone.else@example.jp",
    )
    assert query.verdict == Verdict.MATCH
    [hit] = query.hits
    assert hit["source"] == "own" and hit["reference"] == termination.sanction_reference
    assert hit["matched"] == {"address": "exact", "kana": "exact", "name": "exact", "phone": "exact"}


def test_a_false_name_at_the_same_flat_is_a_possible_match(staff):
    terminate(make_subscriber())
    query = run(staff, name="鈴木 一郎", kana="スズキ イチロウ", address="渋谷区神宮前3-4-5 201号室")
    assert query.verdict == Verdict.POSSIBLE
    assert query.hits[0]["matched"] == {"address": "exact"}


def test_a_namesake_is_no_match(staff):
    terminate(make_subscriber())
    query = run(
        staff, name="山田 太郎", kana="ヤマダ タロウ", address="大阪市北区梅田2-4-9", phone="06-1111-2222"
    )
    assert query.verdict == Verdict.NO_MATCH and query.hits == []


def test_only_standing_intentional_l7_terminations_count(staff):
    subscriber = make_subscriber()
    assert terminate(subscriber, culpability="victim") is None
    assert terminate(subscriber, level="L6") is None
    assert terminate(subscriber, emergency=True) is None  # unreviewed emergency: not yet a decision
    assert run(staff, **applicant()).verdict == Verdict.NO_MATCH
    reverse(terminate(subscriber))
    assert run(staff, **applicant()).verdict == Verdict.NO_MATCH


def test_the_query_and_its_audit_entry_keep_purpose_and_result_but_no_identifier(staff):
    terminate(make_subscriber())
    values = applicant()
    query = screening_run(
        identifiers=values,
        purpose="re-application check",
        application_ref="APP-77",
        actor=staff,
        channel=Channel.API,
    )
    entry = AuditEntry.objects.get(action="screening.query", object_id=str(query.pk))
    assert entry.reason == "re-application check" and entry.actor == staff
    assert entry.data["verdict"] == Verdict.MATCH and entry.data["application_ref"] == "APP-77"
    stored = json.dumps([entry.data, entry.reason], ensure_ascii=False) + json.dumps(
        list(ScreeningQuery.objects.values()), default=str, ensure_ascii=False
    )
    for value in ["山田", "ヤマダ", "神宮前", "1234", "5678", "taro", "fp_9hX2"]:
        assert value not in stored


def test_a_purpose_and_an_identifier_are_required(staff):
    with pytest.raises(ApplicationError) as exc:
        screening_run(identifiers=applicant(), purpose="  ", actor=staff, channel=Channel.BROWSER)
    assert "purpose" in exc.value.fields
    with pytest.raises(ApplicationError, match="at least one identifier"):
        run(staff, name="", phone="  ")
    assert not ScreeningQuery.objects.exists()


def test_unreadable_identifiers_are_named(staff):
    with pytest.raises(ApplicationError) as exc:
        run(staff, phone="12", card="4111 1111 1111 1111", address="どこか")
    assert set(exc.value.fields) == {"phone", "card", "address"}
    assert "card number" in exc.value.fields["card"][0]


def test_a_partner_user_may_not_screen(partner):
    with pytest.raises(PermissionDenied):
        run(partner[0].user, **applicant())


def test_expired_received_entries_do_not_match(staff, exchange, peer):
    from .test_exchange import peer_bundle, receive

    receive(peer, peer_bundle(peer, [applicant()], expires_at=timezone.now() + timedelta(days=3)))
    assert run(staff, **applicant()).verdict == Verdict.MATCH
    from screening.models import ReceivedEntry

    ReceivedEntry.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert run(staff, **applicant()).verdict == Verdict.NO_MATCH


def test_entries_of_a_participant_taken_out_of_the_exchange_do_not_match(staff, exchange, peer):
    from .test_exchange import peer_bundle, receive

    receive(peer, peer_bundle(peer, [applicant()]))
    assert run(staff, **applicant()).verdict == Verdict.MATCH
    peer.participant.active = False
    peer.participant.save()
    assert run(staff, **applicant()).verdict == Verdict.NO_MATCH
