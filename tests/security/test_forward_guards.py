"""Forwarding, through every door: a case of ours never leaves the desk, and a forward
withholds every address that names the complainant (S3), including the recipient the
report itself names (ARF Original-Rcpt-To, Removal-Recipient, XARF SmtpRcptToAddress)."""

from __future__ import annotations

import base64
import email
import json

import pytest

from abusedesk.errors import ApplicationError
from abusedesk.models import AuditEntry
from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Forward
from complaints.services import report_ingest
from complaints.services.forwarding import case_forward
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct
from tests.personas import token_client
from tests.sanctions import factories

pytestmark = pytest.mark.django_db

OUTSIDE = {"format": "arf", "to": "anyone@elsewhere.example", "reason": "x"}


@pytest.mark.parametrize("door", ["service", "api", "browser"])
def test_a_case_of_ours_is_not_forwarded_outside(door, isp, staff, staff_client, staff_token):
    """The case page offers no forward for a case naming our own customer; the view, the
    API and the service refuse one too, with the reason, and record nothing."""
    from complaints.views import case_is_ours  # the predicate the case page decides by

    ours = factories.case_from_reports()  # our static line C-3, role sending
    assert "sending" in ours.roles and ours.accounts == ["C-3"] and case_is_ours(ours)
    if door == "service":
        with pytest.raises(ApplicationError) as refused:
            case_forward(case=ours, user=staff, fmt="arf", to=OUTSIDE["to"], reason="x")
        assert refused.value.code == "case_is_ours"
    elif door == "api":
        response = token_client(staff_token).post(
            f"/api/v1/cases/{ours.pk}/forward/", OUTSIDE, "application/json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "case_is_ours"
        assert "not forwarded" in response.json()["detail"]
    else:
        response = staff_client.post(f"/cases/{ours.pk}/forward/", OUTSIDE)
        assert response.status_code == 400  # the case page again, with the reason
        shown = [str(m) for m in response.context["messages"]]
        assert any("not forwarded" in m for m in shown), shown
    assert not Forward.objects.filter(case=ours).exists()
    assert not AuditEntry.objects.filter(action="case.forwarded", case_id=ours.pk).exists()


def _fbl_report(fields: str, named: str):
    hop = direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")
    arf = (
        "From: fbl@mailbox-provider.example\r\n"
        "To: abuse@isp.example.jp\r\n"
        "Subject: Abuse report\r\n"
        "Date: Fri, 20 Nov 2026 15:00:00 +0900\r\n"
        "Message-ID: <fbl-1@mailbox-provider.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n"
        "--b1\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n"
        f"{fields}"
        "Source-IP: 192.0.2.177\r\n"
        "Arrival-Date: Fri, 20 Nov 2026 05:30:00 +0000\r\n\r\n"
        "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
        f"Received: {hop}\r\n"
        "From: sale@spammer.example\r\n"
        "To: undisclosed-recipients:;\r\n"
        "Subject: Cheap pills\r\n"
        "Message-ID: <m-fbl-1@pc.invalid>\r\n"
        "Date: Fri, 20 Nov 2026 14:00:00 +0900\r\n\r\n"
        f"Hello {named}, buy now. Unsubscribe: http://cheap.example.net/u?e={named}\r\n"
        "--b1--\r\n"
    ).encode()
    report = report_ingest(
        raw=arf, channel=Channel.MAILBOX, reporter_key="email:fbl@mailbox-provider.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    report.refresh_from_db()
    return report


def _forwarded(report, staff_token, mailoutbox, capture, fmt="arf") -> bytes:
    with capture(execute=True):
        response = token_client(staff_token).post(
            f"/api/v1/cases/{report.case_id}/forward/",
            {"format": fmt, "to": "abuse@bulk-hoster.example"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    return mailoutbox[0].message().as_bytes()


def test_a_forward_withholds_the_recipient_the_report_names(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks
):
    """A feedback-loop report names the person who got the spam in Original-Rcpt-To
    (stored as facts.rcpt_to); the spam repeats it in its body and in a link."""
    report = _fbl_report(
        "Original-Rcpt-To: carol.secret@receiver.example\r\n", "carol.secret@receiver.example"
    )
    assert "carol.secret@receiver.example" in (report.facts.get("rcpt_to") or [])
    wire = _forwarded(report, staff_token, mailoutbox, django_capture_on_commit_callbacks)
    assert b"carol.secret" not in wire
    assert b"redacted@redacted.invalid" in wire or b"redacted%40redacted.invalid" in wire


def test_a_forward_withholds_the_removal_recipient(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks
):
    """RFC 5965 Removal-Recipient names the address to take off a list: the recipient."""
    report = _fbl_report(
        "Removal-Recipient: dave.secret@receiver.example\r\n", "dave.secret@receiver.example"
    )
    wire = _forwarded(report, staff_token, mailoutbox, django_capture_on_commit_callbacks, fmt="xarf")
    assert b"dave.secret" not in wire
    xarf = next(
        p for p in email.message_from_bytes(wire).walk() if p.get_content_type() == "application/json"
    )
    payload = json.loads(xarf.get_payload(decode=True))["evidence"][0]["payload"]
    assert b"dave.secret" not in base64.b64decode(payload)
