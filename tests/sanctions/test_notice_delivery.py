"""Notices to the customer through every mail backend, in Japanese and English; a
notice that could not be sent is shown with a retry and sent once."""

import pytest

from sanctions.choices import State
from sanctions.models import Notice
from sanctions.services.notices import notice_send
from subscribers.models import Subscriber
from tests.attribution.test_outgoing_mail import DEAD_PORT, Delivered, text_of
from tests.complaints.test_resend_message_id import _ids, _lost_confirmation
from tests.support.smtpsink import SmtpSink

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_sink(settings):
    s = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", s.port
    yield s
    s.stop()


@pytest.fixture(params=["console", "file", "locmem", "smtp"])
def delivered(request, settings, tmp_path, capsys):
    d = Delivered(request.param, settings, tmp_path, capsys)
    yield d
    d.stop()


@pytest.mark.parametrize(
    "address,expected", [("c3@mail.example.jp", "ご返信ください"), ("owner@customer.example", "How to respond")]
)
def test_the_notice_goes_out_through_every_backend(
    delivered, address, expected, sanction, staff, manager, django_capture_on_commit_callbacks
):
    Subscriber.objects.filter(subscriber_id="S-3").update(email=address)
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[State.NOTIFIED], desk=staff, decider=manager)
    [msg] = delivered.messages()
    assert msg["To"] == address and sanction.reference in msg["Subject"]
    assert expected in text_of(msg)
    assert sanction.notices.get().sent_at is not None


def test_a_failed_notice_is_shown_with_a_retry_and_sent_once(
    settings, sanction, staff, manager, client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_PORT, 2
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[State.NOTIFIED], desk=staff, decider=manager)
    notice = sanction.notices.get()
    assert notice.sent_at is None and notice.attempts == 1 and notice.error
    client.force_login(staff)
    page = client.get(f"/sanctions/{sanction.pk}/").content.decode()
    assert f"/notices/{notice.pk}/retry/" in page
    sink = SmtpSink().start()
    try:
        settings.EMAIL_PORT = sink.port
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(f"/sanctions/{sanction.pk}/notices/{notice.pk}/retry/", follow=True)
            assert response.status_code == 200
    finally:
        sink.stop()
    assert len(sink.messages) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.error == ""


def test_a_notice_sent_again_after_a_lost_confirmation_keeps_its_message_id(
    smtp_sink, sanction, staff, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[State.NOTIFIED], desk=staff, decider=manager)
    notice = sanction.notices.get()
    assert notice.sent_at is not None
    _lost_confirmation(Notice, notice.pk)
    assert notice_send(notice_id=notice.pk) == "sent"
    ids = _ids(smtp_sink)
    assert len(ids) == 2 and ids[0] == ids[1] and ids[0].startswith("<notice.")
