"""Every outgoing mail (acknowledgement, reply, forward) through each of Django's mail
backends for real: console, file, locmem and SMTP to a sink on loopback, in English and
Japanese; and a failed send is a visible, retryable state, never a 500."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core import mail as django_mail

from abusedesk.models import AuditEntry
from complaints.choices import Channel
from complaints.models import Case, Forward, Reply, Report
from complaints.services import report_ingest
from complaints.tasks import sweep_reports
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_forwarding import foreign_case
from tests.attribution.test_rules import direct, message
from tests.complaints.samples import complaint
from tests.support.smtpsink import SmtpSink, closed_port

pytestmark = pytest.mark.django_db

DEAD_PORT = closed_port()  # nothing listens here: a mail server that is down
BACKENDS = ["console", "file", "locmem", "smtp"]


class Delivered:
    """What a backend delivered, read back from where that backend puts it."""

    def __init__(self, kind, settings, tmp_path, capsys):
        self.kind, self.capsys, self.dir = kind, capsys, tmp_path / "mail"
        settings.EMAIL_BACKEND = f"django.core.mail.backends.{'filebased' if kind == 'file' else kind}.EmailBackend"
        settings.EMAIL_FILE_PATH = str(self.dir)
        self.sink = SmtpSink().start() if kind == "smtp" else None
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.sink.port if self.sink else DEAD_PORT
        django_mail.outbox = []

    def messages(self) -> list[email.message.EmailMessage]:
        if self.kind == "console":
            out = self.capsys.readouterr().out
            chunks = [c.strip("\n") for c in out.split("-" * 79) if c.strip()]
            raw = [c.encode() for c in chunks]
        elif self.kind == "file":
            raw = []
            for path in sorted(self.dir.glob("*.log")) if self.dir.exists() else []:
                raw += [c.strip(b"\n") for c in path.read_bytes().split(b"-" * 79) if c.strip()]
        elif self.kind == "locmem":
            raw = [m.message().as_bytes() for m in django_mail.outbox]
        else:
            raw = [data for _, _, data in self.sink.messages]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    def stop(self):
        if self.sink:
            self.sink.stop()


@pytest.fixture(params=BACKENDS)
def delivered(request, settings, tmp_path, capsys):
    d = Delivered(request.param, settings, tmp_path, capsys)
    yield d
    d.stop()


def text_of(msg) -> str:
    return "\n".join(
        p.get_content() for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()
    )


def shift_jis_spam() -> bytes:
    """Spam as it arrives from Japanese bulk senders: raw Shift_JIS, no charset declared."""
    plain = message([direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")])
    head, body = plain.split(b"\r\n\r\n", 1)
    head = head.replace(b"Subject: Cheap pills", "Subject: 激安のお薬".encode("shift_jis"))
    return head + b"\r\n\r\n" + body + "今すぐ購入してください\r\n".encode("shift_jis")


@pytest.mark.parametrize("address,expected", [("a@receiver.example", "Thank you for your report"),
                                              ("tanaka@receiver.example.jp", "ご報告ありがとうございます")])
def test_the_acknowledgement_goes_out_through_every_backend(
    delivered, address, expected, django_capture_on_commit_callbacks
):
    raw = complaint(reporter=address, attached=message([direct("198.51.100.23", HANDOVER)]))
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=f"email:{address}").report
    [msg] = delivered.messages()
    assert msg["To"] == address and report.reference in msg["Subject"]
    assert expected in text_of(msg)
    report.refresh_from_db()
    assert report.acknowledged_at is not None and not report.ack_pending and report.ack_error == ""


def test_replies_go_out_through_every_backend_in_each_language(
    delivered, isp, staff_client, django_capture_on_commit_callbacks
):
    case = foreign_case("email:tanaka@receiver.example.jp")
    report_ingest(
        raw=complaint(reporter="joe@receiver.example", attached=message([direct("192.0.2.177", HANDOVER)])),
        channel=Channel.MAILBOX,
        reporter_key="email:joe@receiver.example",
        acknowledge=False,
    )
    assert Case.objects.get(pk=case.pk).reports.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/cases/{case.pk}/reply/", {"template": "investigating"})
    assert response.status_code == 302
    by_to = {m["To"]: m for m in delivered.messages()}
    assert set(by_to) == {"tanaka@receiver.example.jp", "joe@receiver.example"}
    assert "調査" in text_of(by_to["tanaka@receiver.example.jp"])
    assert f"案件 {case.pk}" in by_to["tanaka@receiver.example.jp"]["Subject"]
    assert "investigating" in text_of(by_to["joe@receiver.example"])
    assert Reply.objects.filter(case=case, sent_at__isnull=False).count() == 2


@pytest.mark.parametrize("fmt", ["arf", "xarf"])
def test_forwards_go_out_through_every_backend_even_with_raw_shift_jis_spam(
    delivered, fmt, isp, staff_client, django_capture_on_commit_callbacks
):
    raw = shift_jis_spam()
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:victim@receiver.example", acknowledge=False
    ).report
    from complaints.attribution.services import report_attribute

    report_attribute(report_id=report.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/cases/{report.case_id}/forward/", {"format": fmt}, follow=True)
    assert response.status_code == 200
    [msg] = delivered.messages()
    assert msg["To"] == "abuse@bulk-hoster.example"
    assert msg.get_content_type() == ("multipart/report" if fmt == "arf" else "multipart/mixed")
    wire = msg.as_bytes()
    assert wire.isascii()  # 7-bit: any backend can write it, any server accept it
    assert b"victim@receiver.example" not in wire
    if fmt == "arf":
        inner = next(p for p in msg.walk() if p.get_content_type() == "message/rfc822").get_payload()[0]
        body = inner.get_payload(decode=True)
        assert "今すぐ購入".encode("shift_jis") in body  # the evidence, byte for byte once decoded
    forward = Forward.objects.get()
    assert forward.sent_at is not None and forward.error == ""
    assert "sent" in response.content.decode()


def test_a_failed_forward_is_shown_with_a_retry_and_sent_once_when_retried(
    settings, isp, staff_client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_PORT, 2
    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/cases/{case.pk}/forward/", {"format": "arf"}, follow=True)
    assert response.status_code == 200  # not a 500: the forward is recorded, sending failed
    forward = Forward.objects.get()
    assert forward.sent_at is None and forward.attempts == 1 and "Connection" in forward.error
    page = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert "not sent after 1 attempt" in page and f"/forwards/{forward.pk}/retry/" in page

    sink = SmtpSink().start()
    try:
        settings.EMAIL_PORT = sink.port
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(f"/cases/{case.pk}/forwards/{forward.pk}/retry/", follow=True)
        assert response.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):  # a second click, a redelivered task
            staff_client.post(f"/cases/{case.pk}/forwards/{forward.pk}/retry/", follow=True)
    finally:
        sink.stop()
    assert len(sink.messages) == 1
    assert Forward.objects.count() == 1  # a retry never makes a second forward
    forward.refresh_from_db()
    assert forward.sent_at is not None and forward.error == ""
    assert AuditEntry.objects.filter(action="case.forward_retried", object_id=str(forward.pk)).count() == 1


def test_a_failed_reply_stays_owed_and_the_sweep_sends_it_once(
    settings, isp, staff_client, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_PORT, 2
    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(f"/cases/{case.pk}/reply/", {"template": "not_ours"}).status_code == 302
    reply = Reply.objects.get()
    assert reply.sent_at is None and reply.attempts == 1
    assert "not sent after 1 attempt" in staff_client.get(f"/cases/{case.pk}/").content.decode()

    sink = SmtpSink().start()
    try:
        settings.EMAIL_PORT = sink.port
        # Due after its back-off: make it look a minute older, as the sweep would find it.
        from datetime import timedelta

        from django.utils import timezone

        earlier = timezone.now() - timedelta(minutes=2)
        Reply.objects.update(requested_at=earlier, last_attempt_at=earlier)
        sweep_reports()
        sweep_reports()
    finally:
        sink.stop()
    assert [rcpts for _, rcpts, _ in sink.messages] == [["victim@receiver.example"]]
    reply.refresh_from_db()
    assert reply.sent_at is not None


def test_an_unacknowledged_report_is_acknowledged_by_the_sweep(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_PORT, 2
    raw = complaint(reporter="a@receiver.example", attached=message([direct("198.51.100.23", HANDOVER)]))
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@receiver.example").report
    report.refresh_from_db()
    assert report.ack_pending and report.acknowledged_at is None and "Connection" in report.ack_error
    from datetime import timedelta

    Report.objects.filter(pk=report.pk).update(received_at=report.received_at - timedelta(minutes=2))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep_reports()
    sweep_reports()
    assert [m.to for m in mailoutbox] == [["a@receiver.example"]]


def test_bulk_not_ours_forwards_and_closes_every_case_as_one_unit(
    delivered, isp, staff_client, django_capture_on_commit_callbacks
):
    a = foreign_case("email:one@receiver.example")
    spam = message([direct("192.0.2.178", HANDOVER, rdns="host78.bulk-hoster.example")])
    b = report_ingest(
        raw=spam, channel=Channel.MAILBOX, reporter_key="email:two@receiver.example", acknowledge=False
    ).report
    from complaints.attribution.services import report_attribute

    report_attribute(report_id=b.pk)
    ids = sorted({a.pk, b.case_id})
    assert len(ids) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/cases/bulk/", {"cases": ids, "action": "not_ours"}, follow=True)
    assert response.status_code == 200
    assert "2 cases updated" in response.content.decode()
    assert list(Case.objects.filter(pk__in=ids).values_list("status", "resolution").distinct()) == [
        ("closed", "not_ours")
    ]
    assert sorted(Forward.objects.filter(sent_at__isnull=False).values_list("case_id", flat=True)) == ids
    assert len(delivered.messages()) == 2


def test_bulk_not_ours_changes_nothing_when_one_case_cannot_be_forwarded(
    isp, staff_client, django_capture_on_commit_callbacks, mailoutbox
):
    a = foreign_case()
    # No known contact: the origin is in nobody's registry.
    lost = report_ingest(
        raw=message([direct("198.18.0.9", HANDOVER)]),
        channel=Channel.MAILBOX,
        reporter_key="email:x@receiver.example",
        acknowledge=False,
    ).report
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/cases/bulk/", {"cases": [a.pk, lost.case_id], "action": "not_ours"}, follow=True
        )
    page = response.content.decode()
    assert response.status_code == 200 and "nothing was changed" in page and str(lost.case_id) in page
    assert not Forward.objects.exists() and not mailoutbox
    assert set(Case.objects.filter(pk__in=[a.pk, lost.case_id]).values_list("status", flat=True)) == {"open"}


def test_the_api_answers_a_forward_that_could_not_be_sent_with_its_error(
    settings, isp, staff_token, django_capture_on_commit_callbacks
):
    from tests.personas import token_client

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_PORT, 2
    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(staff_token).post(
            f"/api/v1/cases/{case.pk}/forward/", {"format": "xarf"}, content_type="application/json"
        )
    assert response.status_code == 201  # recorded; sending failed after commit, not a 500
    body = response.json()
    assert body["sent_at"] is None and {"error", "attempts"} <= set(body)
    forward = Forward.objects.get()
    assert forward.sent_at is None and forward.attempts == 1 and "Connection" in forward.error


def test_a_send_cut_off_mid_way_is_owed_again_after_the_lease_and_sent_once(
    isp, staff_client, django_capture_on_commit_callbacks, mailoutbox
):
    """A worker killed between its claim and the mail server's answer leaves a claim
    nobody confirms: shown as sending, then owed again once the lease is over."""
    from datetime import timedelta

    from django.utils import timezone

    from abusedesk.mail import CLAIM_LEASE

    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=False):  # the task never ran
        staff_client.post(f"/cases/{case.pk}/reply/", {"template": "not_ours"})
    reply = Reply.objects.get()
    cut_off = timezone.now() - timedelta(minutes=2)
    Reply.objects.update(requested_at=cut_off, claimed_at=cut_off, last_attempt_at=cut_off)
    assert "sending" in staff_client.get(f"/cases/{case.pk}/").content.decode()
    sweep_reports()
    assert not mailoutbox  # within the lease: the claim may still be live
    Reply.objects.update(claimed_at=timezone.now() - CLAIM_LEASE - timedelta(minutes=1))
    sweep_reports()
    sweep_reports()
    assert [m.to for m in mailoutbox] == [["victim@receiver.example"]]
    reply.refresh_from_db()
    assert reply.sent_at is not None and reply.claimed_at is None
