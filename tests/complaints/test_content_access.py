from datetime import UTC, datetime

import pytest

from abusedesk.models import AuditEntry
from complaints.choices import Channel
from complaints.services import report_ingest
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(db):
    raw = spam(at=datetime(2026, 11, 20, tzinfo=UTC), subject="Secret words")
    return report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@x.example").report


def test_the_report_page_does_not_show_the_body(staff_client, report):
    page = staff_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Buy now!" not in page
    assert "Show content" in page


def test_showing_content_needs_a_purpose_and_is_recorded(staff_client, staff, report):
    refused = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": ""}, follow=True)
    assert "Buy now!" not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="content.viewed").exists()
    shown = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "check the advertised URL"})
    assert shown.status_code == 200
    assert "Buy now!" in shown.content.decode()
    entry = AuditEntry.objects.get(action="content.viewed")
    assert (entry.actor, entry.reason, entry.object_id) == (staff, "check the advertised URL", str(report.pk))
    assert entry.case_id == report.case_id


def test_showing_content_is_a_post(staff_client, report):
    assert staff_client.get(f"/reports/{report.pk}/content/").status_code == 405


def test_the_api_content_action_is_logged_and_partners_cannot_use_it(staff_token, partner, report):
    response = token_client(staff_token).post(
        f"/api/v1/reports/{report.pk}/content/",
        {"purpose": "verify the complaint"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "Buy now!" in response.json()["body_text"]
    assert AuditEntry.objects.filter(action="content.viewed").count() == 1
    denied = token_client(partner[1]).post(
        f"/api/v1/reports/{report.pk}/content/", {"purpose": "curious"}, content_type="application/json"
    )
    assert denied.status_code == 403


def test_people_without_a_role_cannot_open_the_desk(db, report):
    from django.contrib.auth import get_user_model
    from django.test import Client

    nobody = get_user_model().objects.create_user("guest", password="x-long-password-1")
    client = Client()
    client.force_login(nobody)
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{report.pk}/").status_code == 403


def test_the_subject_and_the_links_are_content(staff_client, staff_token, report):
    page = staff_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Secret words" not in page
    assert "pills.example.net" in page  # the advertised host is a fact taken from it
    assert "pills.example.net/buy" not in page  # the link itself is content
    assert "Links in the message" not in page
    shown = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "read the advertised links"})
    body = shown.content.decode()
    assert "Secret words" in body and "Links in the message" in body
    api = token_client(staff_token)
    assert "subject" not in api.get(f"/api/v1/reports/{report.pk}/").json()
    content = api.post(
        f"/api/v1/reports/{report.pk}/content/", {"purpose": "verify it"}, content_type="application/json"
    ).json()
    assert content["subject"] == "Secret words"
    assert content["urls"] and all(u.startswith("http") for u in content["urls"])


def test_every_view_of_an_attribution_is_recorded_with_its_case(
    staff_client, staff, staff_token, django_capture_on_commit_callbacks
):
    """S2 (who held which address when) is shown within a case, and each showing is in
    the audit trail: who, when, what, which case, why; not in the case's timeline."""
    with django_capture_on_commit_callbacks(execute=True):
        raw = spam(at=datetime(2026, 11, 20, tzinfo=UTC))
        report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@x.example").report
    report.refresh_from_db()
    assert report.attribution and report.case_id
    staff_client.get(f"/cases/{report.case_id}/")
    staff_client.get(f"/reports/{report.pk}/")
    api = token_client(staff_token)
    api.get(f"/api/v1/cases/{report.case_id}/")
    api.get(f"/api/v1/reports/{report.pk}/")
    entries = list(AuditEntry.objects.filter(action="traffic.viewed").order_by("id"))
    assert [e.data["via"] for e in entries] == ["case page", "report page", "api case", "api report"]
    assert {e.case_id for e in entries} == {report.case_id}
    assert [e.actor for e in entries] == [staff] * 4  # the token is the staff member's
    assert all(e.reason for e in entries)
    # the queues list no attribution, and record nothing
    api.get("/api/v1/reports/")
    api.get("/api/v1/cases/")
    staff_client.get("/cases/")
    assert AuditEntry.objects.filter(action="traffic.viewed").count() == 4
    assert "attribution" not in api.get("/api/v1/reports/").json()["results"][0]
    timeline = staff_client.get(f"/cases/{report.case_id}/").context["timeline"]
    assert not [e for e in timeline if e.action == "traffic.viewed"]
