from datetime import UTC, datetime, timedelta

import pytest

from subscribers.selectors import mail_logins, mail_submissions
from tests.subscribers.factories import MailLogEntryFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_submissions_are_found_by_login_address_or_message_id_within_the_window():
    hit = MailLogEntryFactory(at=NOON + timedelta(minutes=5), message_id="spam1@example.jp")
    MailLogEntryFactory(at=NOON + timedelta(hours=2))  # outside the window
    MailLogEntryFactory(at=NOON, login="hanako", client_ip="61.114.5.99")
    window = timedelta(minutes=30)
    assert list(mail_submissions(login="taro", around=NOON, window=window)) == [hit]
    assert list(mail_submissions(client_ip="61.114.5.23", around=NOON, window=window)) == [hit]
    assert list(mail_submissions(message_id="<spam1@example.jp>", around=NOON, window=window)) == [hit]


def test_submissions_need_something_to_look_for():
    with pytest.raises(ValueError, match="at least one"):
        mail_submissions(around=NOON, window=timedelta(hours=1))


def test_logins_before_an_instant_are_found_by_client_address_newest_first():
    older = MailLogEntryFactory(kind="login", service="pop3", queue_id="", at=NOON - timedelta(minutes=20))
    newer = MailLogEntryFactory(kind="login", service="imap", queue_id="", at=NOON - timedelta(minutes=1))
    MailLogEntryFactory(kind="login", service="pop3", queue_id="", at=NOON + timedelta(minutes=1))
    MailLogEntryFactory(kind="submission", at=NOON - timedelta(minutes=2))
    found = list(mail_logins(client_ip="61.114.5.23", before=NOON, window=timedelta(minutes=30)))
    assert found == [newer, older]
