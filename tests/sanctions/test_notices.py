"""Notices and the hearing: in the customer's language, with the facts, never the complainant."""

import pytest

from complaints.models import Report
from sanctions.choices import State
from sanctions.models import HearingAnswer
from sanctions.services import sanction_transition
from subscribers.models import Subscriber

from . import factories

pytestmark = pytest.mark.django_db


def notify(sanction, staff, manager, capture):
    with capture(execute=True):
        factories.walk(sanction, factories.PATHS[State.NOTIFIED], desk=staff, decider=manager)


def test_the_notice_is_mailed_in_japanese_to_a_jp_address(
    sanction, staff, manager, mailoutbox, django_capture_on_commit_callbacks
):
    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["c3@mail.example.jp"]
    assert sanction.reference in mail.subject and "利用制限措置" in mail.subject
    assert "技術的な制限" in mail.body  # the measure, L3
    assert "未承諾広告メール・大量送信" in mail.body  # the clause's title
    assert "203.0.113.5" in mail.body and "2026-11-20 14:30" in mail.body  # what was seen, in Tokyo time
    assert "ご返信ください" in mail.body  # how to respond
    notice = sanction.notices.get()
    assert notice.sent_at is not None and notice.language == "ja" and notice.body == mail.body


def test_the_notice_is_in_english_otherwise(
    sanction, staff, manager, mailoutbox, django_capture_on_commit_callbacks
):
    Subscriber.objects.filter(subscriber_id="S-3").update(email="owner@customer.example")
    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    body = mailoutbox[0].body
    assert "Measure: L3 targeted technical restriction" in body
    assert "C-03a Unsolicited or mass mail" in body
    assert "How to respond" in body


def test_no_notice_names_a_complainant(
    sanction, staff, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[State.HEARING], desk=staff, decider=manager)
        sanction_transition(sanction_id=sanction.pk, to_state=State.LIFTED, actor=manager, reason="cured")
    assert [n.kind for n in sanction.notices.all()] == ["notice", "hearing", "lift"]
    reporters = set(Report.objects.filter(case=sanction.case).values_list("reporter_key", flat=True))
    secrets = {key.split(":", 1)[1] for key in reporters} | {"receiver.example", "victim@", "Receiver ISP"}
    for mail in mailoutbox:
        for secret in secrets:
            assert secret not in mail.body and secret not in mail.subject


def test_staff_record_the_customers_answer(
    sanction, staff, manager, staff_client, django_capture_on_commit_callbacks
):
    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    response = staff_client.post(
        f"/sanctions/{sanction.pk}/hearing-answers/",
        {
            "received_at": "2026-11-22 10:00",
            "channel": "phone",
            "text": "Our server was misconfigured; fixed now.",
        },
    )
    assert response.status_code == 302
    answer = HearingAnswer.objects.get(sanction=sanction)
    assert answer.recorded_by == staff and answer.channel == "phone" and "misconfigured" in answer.text


def test_an_answer_before_any_notice_is_refused(sanction, staff_client):
    response = staff_client.post(
        f"/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "2026-11-22 10:00", "channel": "email", "text": "?"},
    )
    assert response.status_code == 409 and not HearingAnswer.objects.exists()  # the page again, with the reason


def test_an_answer_by_an_unknown_channel_is_refused_with_a_reason_and_nothing_stored(
    sanction, staff, manager, staff_token, django_capture_on_commit_callbacks
):
    from tests.personas import token_client

    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    response = token_client(staff_token).post(
        f"/api/v1/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "2026-11-22T10:00:00Z", "channel": "pigeon", "text": "Fixed."},
        content_type="application/json",
    )
    assert response.status_code == 400 and "channel" in response.json()["fields"]
    assert not HearingAnswer.objects.exists()


def test_the_database_refuses_a_channel_or_resolution_outside_the_vocabulary(sanction, staff):
    from django.db import IntegrityError, transaction

    from complaints.models import Case

    with pytest.raises(IntegrityError), transaction.atomic():
        HearingAnswer.objects.create(
            sanction=sanction, text="x", received_at=sanction.created_at, channel="pigeon", recorded_by=staff
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=sanction.case_id).update(resolution="forgotten")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=sanction.case_id).update(sending_method="carrier_pigeon")


def test_an_answer_over_the_api_without_a_channel_is_recorded(
    sanction, staff, manager, staff_token, django_capture_on_commit_callbacks
):
    """The channel is optional in the API's schema: leaving it out records the answer
    with no channel (it was a 500)."""
    from tests.personas import token_client

    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    response = token_client(staff_token).post(
        f"/api/v1/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "2026-11-22T10:00:00Z", "text": "Fixed."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert HearingAnswer.objects.get().channel == ""


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-09:00"])
def test_a_time_outside_what_utc_can_hold_is_refused_with_a_reason(
    sanction, staff, manager, staff_token, django_capture_on_commit_callbacks, when
):
    from tests.personas import token_client

    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    response = token_client(staff_token).post(
        f"/api/v1/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": when, "channel": "email", "text": "Fixed."},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "out of range" in str(response.json()["fields"]["received_at"])
    assert not HearingAnswer.objects.exists()


def test_an_answers_time_takes_japans_slashes_and_a_future_one_is_refused_at_every_door(
    sanction, staff, manager, staff_client, staff_token, django_capture_on_commit_callbacks
):
    from tests.personas import token_client

    notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    url = f"/sanctions/{sanction.pk}/hearing-answers/"
    future = staff_client.post(url, {"received_at": "2099-01-01 10:00", "channel": "phone", "text": "Fixed."}, follow=True)  # noqa: E501
    assert "in the future" in future.content.decode() and not HearingAnswer.objects.exists()
    api = token_client(staff_token).post(
        f"/api/v1/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "2099-01-01T10:00:00Z", "channel": "phone", "text": "Fixed."},
        content_type="application/json",
    )
    assert api.status_code == 400 and "received_at" in api.json().get("fields", api.json())
    staff_client.post(url, {"received_at": "2026/11/22 10:00", "channel": "phone", "text": "Fixed."})
    assert HearingAnswer.objects.get(sanction=sanction).received_at.isoformat() == "2026-11-22T01:00:00+00:00"


def test_a_notice_without_an_address_is_stored_in_english_and_shown_in_the_readers_language(
    sanction, staff, manager, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from sanctions.services.notices import NO_ADDRESS

    Subscriber.objects.filter(subscriber_id="S-3").update(email="")
    with translation.override("ja"):  # whatever language the sending task runs in
        notify(sanction, staff, manager, django_capture_on_commit_callbacks)
    notice = sanction.notices.get()
    assert not mailoutbox and notice.sent_at is None and notice.error == NO_ADDRESS
    staff_client.cookies.load({"django_language": "ja"})
    text = staff_client.get(f"/sanctions/{sanction.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "メールアドレスが登録されていません。郵送してください。" in text
    assert NO_ADDRESS not in text
