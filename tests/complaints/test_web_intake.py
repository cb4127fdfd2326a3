from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Report
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


def test_staff_paste_a_message_and_see_it_parsed(staff_client):
    response = staff_client.post(
        "/reports/new/", {"kind": "message", "m-message": spam(at=AT).decode()}, follow=True
    )
    page = response.content.decode()
    report = Report.objects.get()
    assert report.channel == "web" and report.submitted_by.username == "sato"
    assert "198.51.100.23" in page and "pills.example.net" in page
    assert f"{report.reference} stored" in page


def test_staff_upload_an_eml(staff_client):
    upload = SimpleUploadedFile("spam.eml", spam(at=AT), content_type="message/rfc822")
    staff_client.post("/reports/new/", {"kind": "message", "m-file": upload})
    assert bytes(Report.objects.get().raw) == spam(at=AT)


def test_an_empty_paste_shows_a_message(staff_client):
    response = staff_client.post("/reports/new/", {"kind": "message", "m-message": "  "})
    assert response.status_code == 200
    assert response.content.decode().count("Paste a message or choose a file") == 1  # shown once, not twice
    assert not Report.objects.exists()


def test_a_phone_call_is_filed_with_the_short_form(staff_client):
    staff_client.post(
        "/reports/new/",
        {
            "kind": "phone",
            "p-source_ip": "198.51.100.9",
            "p-occurred_at": "2026-11-20T14:30",
            "p-category": "spam",
            "p-reporter": "caller@example.jp",
            "p-message": "Got 20 mails",
        },
    )
    report = Report.objects.get()
    assert report.format == "form"
    assert report.source_ip == "198.51.100.9"
    # Entered in the desk's zone (Asia/Tokyo), stored as the instant in UTC.
    assert report.occurred_at == datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def test_a_phone_call_with_a_bad_address_shows_the_error(staff_client):
    response = staff_client.post(
        "/reports/new/", {"kind": "phone", "p-source_ip": "999.1.1.1", "p-occurred_at": "2026-11-20T14:30"}
    )
    assert response.status_code == 200
    assert "valid IPv4 or IPv6" in response.content.decode()
    assert not Report.objects.exists()
