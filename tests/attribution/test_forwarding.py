import email
import email.policy
import json
from base64 import b64decode

import pytest
from django.urls import reverse

from abusedesk.models import AuditEntry
from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Forward
from complaints.services import report_ingest
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct, message
from tests.complaints.samples import complaint
from tests.personas import token_client

pytestmark = pytest.mark.django_db


def foreign_case(reporter="email:victim@receiver.example"):
    spam = message([direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")])
    wrapped = complaint(
        reporter="victim@receiver.example",
        attached=spam.replace(b"victim@receiver.example", b"victim@receiver.example"),
    )
    report = report_ingest(
        raw=wrapped, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    report.case.refresh_from_db()
    return report.case


def test_a_foreign_case_is_forwarded_as_arf_without_the_complainant(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks
):
    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(staff_token).post(
            f"/api/v1/cases/{case.pk}/forward/", {"format": "arf"}, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["to"] == "abuse@bulk-hoster.example"
    assert len(mailoutbox) == 1
    wire = mailoutbox[0].message().as_bytes()
    assert b"victim@receiver.example" not in wire
    msg = email.message_from_bytes(wire, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/report"
    assert msg["To"] == "abuse@bulk-hoster.example"
    feedback = next(p for p in msg.walk() if p.get_content_type() == "message/feedback-report")
    assert (
        "Source-IP: 192.0.2.177" in feedback.get_payload()
        if isinstance(feedback.get_payload(), str)
        else True
    )
    assert Forward.objects.get().sent_at is not None
    assert AuditEntry.objects.filter(action="case.forwarded", case_id=case.pk).exists()
    # Forwarding is acting on the case: the SLA clock stops.
    case.refresh_from_db()
    assert case.first_action_at is not None


def test_xarf_carries_the_redacted_message_as_evidence(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks
):
    case = foreign_case()
    with django_capture_on_commit_callbacks(execute=True):
        token_client(staff_token).post(
            f"/api/v1/cases/{case.pk}/forward/",
            {"format": "xarf", "to": "noc@x.example"},
            content_type="application/json",
        )
    msg = email.message_from_bytes(mailoutbox[0].message().as_bytes(), policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "application/json")
    report = json.loads(part.get_content())
    assert report["source_identifier"] == "192.0.2.177"
    assert report["xarf_version"].startswith("4")
    spam = b64decode(report["evidence"][0]["payload"])
    assert b"victim@receiver.example" not in spam and b"Cheap pills" in spam


def test_without_a_known_contact_the_api_asks_for_one(isp, staff_token):
    spam = message([direct("192.0.2.177", HANDOVER)])
    report = report_ingest(
        raw=spam, channel=Channel.MAILBOX, reporter_key="email:a@b.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    response = token_client(staff_token).post(
        f"/api/v1/cases/{report.case_id}/forward/", {"format": "arf"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "to" in response.json()["fields"]
    assert not Forward.objects.exists()


def test_the_sub_allocation_holder_is_the_default_contact(
    isp, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    spam = message([direct("203.0.113.200", HANDOVER)])
    report = report_ingest(
        raw=spam, channel=Channel.MAILBOX, reporter_key="email:a@b.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/cases/{report.case_id}/forward/", {"format": "arf"}, follow=True)
    assert "Forwarded to abuse@transit.example" in response.content.decode()
    assert mailoutbox[0].to == ["abuse@transit.example"]


def test_partners_cannot_forward_or_see_cases(isp, partner):
    case = foreign_case()
    response = token_client(partner[1]).post(
        f"/api/v1/cases/{case.pk}/forward/", {"format": "arf"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert token_client(partner[1]).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def received_case():
    """Spam from another network to one of our customers, through our MX (rule 13)."""
    hop = (
        "from host77.bulk-hoster.example (host77.bulk-hoster.example [192.0.2.177]) by mx1.isp.example.jp "
        f"(Postfix) with ESMTP id 9H; {HANDOVER:%a, %d %b %Y %H:%M:%S +0000}"
    )
    spam = message([hop]).replace(b"victim@receiver.example", b"hanako@isp.example.jp")
    wrapped = complaint(reporter="hanako@isp.example.jp", attached=spam)
    report = report_ingest(
        raw=wrapped, channel=Channel.MAILBOX, reporter_key="email:hanako@isp.example.jp", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    report.case.refresh_from_db()
    return report.case


def test_spam_our_customer_received_is_forwarded_only_with_their_consent(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks
):
    """Rule 13: acknowledge, explain, and with consent forward to the origin's network.
    The origin's contact is known; without a recorded consent, and a note of how it was
    given, nothing is sent."""
    case = received_case()
    assert case.roles == ["receiving"]
    assert case.attribution["abuse_contact"]["email"] == "abuse@bulk-hoster.example"
    api = token_client(staff_token)
    url = f"/api/v1/cases/{case.pk}/forward/"
    refused = api.post(url, {"format": "arf"}, content_type="application/json")
    assert refused.status_code == 400 and "consent" in refused.json()["fields"]
    no_note = api.post(url, {"format": "arf", "consent": True}, content_type="application/json")
    assert no_note.status_code == 400 and "reason" in no_note.json()["fields"]
    assert not Forward.objects.exists() and not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(
            url,
            {"format": "arf", "consent": True, "reason": "agreed by phone 2026-11-21"},
            content_type="application/json",
        )
    assert sent.status_code == 201, sent.content
    assert mailoutbox[0].to == ["abuse@bulk-hoster.example"]
    assert b"hanako@isp.example.jp" not in mailoutbox[0].message().as_bytes()
    entry = AuditEntry.objects.get(action="case.forwarded", case_id=case.pk)
    assert entry.data["complainant_consent"] is True and "phone" in entry.reason


def test_the_case_page_asks_for_the_consent_and_the_bulk_forward_refuses(isp, staff_client):
    case = received_case()
    page = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="consent"' in page and "abuse@bulk-hoster.example" in page
    response = staff_client.post(f"/cases/{case.pk}/forward/", {"format": "arf"}, follow=True)
    assert "consent" in response.content.decode() and not Forward.objects.exists()
    response = staff_client.post("/cases/bulk/", {"cases": [case.pk], "action": "not_ours"}, follow=True)
    assert "customers received" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open" and not Forward.objects.exists()


def test_a_foreign_spam_our_customer_forwarded_also_needs_their_consent(isp, staff_token):
    """hanako@isp.example.jp forwards spam she got; the copy's chain does not show our MX
    (an inline forward, a client that drops headers), so the case is "not ours": the mail
    is still hers, and goes to the other network only with her consent."""
    case = foreign_case(reporter="email:hanako@isp.example.jp")
    assert case.roles == ["not_ours"]
    refused = token_client(staff_token).post(
        f"/api/v1/cases/{case.pk}/forward/", {"format": "arf"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "consent" in refused.json()["fields"]
    assert not Forward.objects.exists()


@pytest.mark.parametrize("channel", [Channel.WEB, Channel.API])
def test_a_customers_mail_filed_by_staff_needs_their_consent_too(isp, staff, staff_token, staff_client, channel):
    """The help desk pastes hanako's mail into the form, or staff file it by the API: the
    report is keyed by the staff member, not by hanako's address, but the mail is still
    hers. Forwarding it (API, page, bulk "not ours") went out with no consent asked."""
    spam = message([direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")])
    report = report_ingest(
        raw=complaint(reporter="hanako@isp.example.jp", attached=spam), channel=channel,
        reporter_key=f"user:{staff.username}", submitted_by=staff, content_type="message/rfc822", acknowledge=False,
    ).report  # fmt: skip
    report_attribute(report_id=report.pk)
    case = report.case
    case.refresh_from_db()
    assert case.roles == ["not_ours"] and report.reporter == "hanako@isp.example.jp"
    refused = token_client(staff_token).post(
        f"/api/v1/cases/{case.pk}/forward/", {"format": "arf"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "consent" in refused.json()["fields"]
    staff_client.post(reverse("case-forward", args=[case.pk]), {"format": "arf"})
    staff_client.post(reverse("case-bulk"), {"cases": str(case.pk), "action": "not_ours"})
    case.refresh_from_db()
    assert case.status == "open" and not Forward.objects.exists()
