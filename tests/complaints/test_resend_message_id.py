"""A message sent, then sent again because the worker died before it could record the
send (its claim's lease ran out), reaches the recipient with the same Message-ID: the
copies are recognisable as one message. Different messages never share one."""

import email
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from abusedesk.mail import CLAIM_LEASE
from complaints.models import Reply
from complaints.services import report_ingest
from complaints.services.replies import reply_send
from tests.complaints.samples import spam
from tests.support.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


@pytest.fixture
def sink(settings):
    s = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", s.port
    yield s
    s.stop()


def _ids(sink):
    return [email.message_from_bytes(data)["Message-ID"] for _, _, data in sink.messages]


def _lost_confirmation(model, pk):
    """What a worker killed between the SMTP server's 250 and its own UPDATE leaves."""
    model.objects.filter(pk=pk).update(
        sent_at=None, claimed_at=timezone.now() - CLAIM_LEASE - timedelta(seconds=1)
    )


def test_a_reply_sent_again_after_a_lost_confirmation_keeps_its_message_id(sink, settings):
    settings.DEFAULT_FROM_EMAIL = "Abuse Desk <abuse@isp.example>"
    report = report_ingest(
        raw=spam(at=AT), channel="mailbox", reporter_key="email:joe@example.com", acknowledge=False
    ).report
    first, second = Reply.objects.bulk_create(
        Reply(case_id=report.case_id, to=f"person{i}@receiver.example", template="investigating")
        for i in range(2)
    )
    assert reply_send(reply_id=first.pk) == "sent"
    assert reply_send(reply_id=first.pk) == "skipped"  # recorded: never twice
    _lost_confirmation(Reply, first.pk)
    assert reply_send(reply_id=first.pk) == "sent"
    assert reply_send(reply_id=second.pk) == "sent"
    ids = _ids(sink)
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@isp.example>") and f".{first.pk}@" not in ids[0]


def test_an_acknowledgement_tried_again_after_a_failure_keeps_its_message_id(sink):
    from complaints.models import Report
    from complaints.services.acks import acknowledgement_send

    report = report_ingest(
        raw=spam(at=AT, message_id="<ack-1@pc.invalid>"),
        channel="mailbox",
        reporter_key="email:joe@example.com",
        acknowledge=False,
    ).report
    assert acknowledgement_send(report_id=report.pk) == "sent"
    Report.objects.filter(pk=report.pk).update(acknowledged_at=None, ack_pending=True)
    assert acknowledgement_send(report_id=report.pk) == "sent"
    ids = _ids(sink)
    assert len(ids) == 2 and ids[0] == ids[1] and ids[0].startswith("<ack.")
