"""The IMAP abuse mailbox against a real Dovecot server."""

import imaplib
from datetime import UTC, datetime

import pytest
from django.db import OperationalError

from complaints.models import Report
from complaints.services import mailbox as mailbox_service
from complaints.services.mailbox import STORED_FLAG, imap_poll
from complaints.tasks import poll_imap_mailbox
from tests.complaints.samples import complaint, spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


@pytest.fixture
def inbox(dovecot, settings):
    dovecot.clear()
    settings.ABUSEDESK_IMAP_HOST = "127.0.0.1"
    settings.ABUSEDESK_IMAP_PORT = dovecot.port
    settings.ABUSEDESK_IMAP_SSL = False
    settings.ABUSEDESK_IMAP_USER = dovecot.user
    settings.ABUSEDESK_IMAP_PASSWORD = dovecot.password
    settings.ABUSEDESK_IMAP_FOLDER = "INBOX"
    conn = imaplib.IMAP4("127.0.0.1", dovecot.port)
    conn.login(dovecot.user, dovecot.password)
    yield conn
    conn.logout()


def deliver(conn, raw: bytes):
    typ, _ = conn.append("INBOX", None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert typ == "OK"


def stored_flags(conn) -> list[bool]:
    conn.select("INBOX")
    _, data = conn.fetch("1:*", "(FLAGS)")
    return [STORED_FLAG.encode() in line for line in data if line]


def test_new_mail_becomes_reports_and_is_flagged_after_storing(inbox):
    for i in range(2):
        deliver(
            inbox, complaint(reporter=f"p{i}@receiver.example", attached=spam(at=AT, message_id=f"<{i}@x>"))
        )
    result = poll_imap_mailbox.delay().get()
    assert result == {"fetched": 2, "created": 2, "duplicates": 0}
    assert Report.objects.filter(channel="imap").count() == 2
    assert stored_flags(inbox) == [True, True]
    # Nothing new: nothing fetched, nothing duplicated.
    assert imap_poll().fetched == 0
    assert Report.objects.count() == 2


def test_a_database_failure_leaves_the_message_for_the_next_poll(inbox, monkeypatch):
    for i in range(2):
        deliver(
            inbox, complaint(reporter=f"p{i}@receiver.example", attached=spam(at=AT, message_id=f"<{i}@x>"))
        )
    real = mailbox_service.ingest_mail
    calls = []

    def flaky(raw, *, channel):
        calls.append(raw)
        if len(calls) == 2:
            raise OperationalError("database is down")
        return real(raw, channel=channel)

    monkeypatch.setattr(mailbox_service, "ingest_mail", flaky)
    with pytest.raises(OperationalError):
        imap_poll()
    assert stored_flags(inbox) == [True, False]
    monkeypatch.setattr(mailbox_service, "ingest_mail", real)
    result = imap_poll()
    assert (result.fetched, result.created) == (1, 1)
    assert stored_flags(inbox) == [True, True]
    assert Report.objects.count() == 2


def test_a_message_stored_but_not_flagged_is_not_stored_twice(inbox, monkeypatch):
    raw = complaint(reporter="p@receiver.example", attached=spam(at=AT))
    deliver(inbox, raw)
    monkeypatch.setattr(imaplib.IMAP4, "uid", _fail_store(imaplib.IMAP4.uid))
    with pytest.raises(imaplib.IMAP4.abort):
        imap_poll()
    assert Report.objects.count() == 1  # stored, but the flag never made it
    monkeypatch.undo()
    result = imap_poll()
    assert (result.fetched, result.created, result.duplicates) == (1, 0, 1)
    assert Report.objects.count() == 1


def test_unparseable_mail_is_still_stored_and_flagged(inbox):
    deliver(inbox, b"Subject: \xff\xfe broken\n\n\x00\x01 not a report")
    assert imap_poll().created == 1
    assert Report.objects.get().status == "manual_triage"
    assert stored_flags(inbox) == [True]


def test_without_a_configured_host_the_task_does_nothing(settings):
    settings.ABUSEDESK_IMAP_HOST = ""
    assert "skipped" in poll_imap_mailbox.delay().get()


def _fail_store(original):
    def uid(self, command, *args):
        if command == "STORE":
            raise imaplib.IMAP4.abort("connection lost")
        return original(self, command, *args)

    return uid
