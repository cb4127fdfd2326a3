"""A partner's report answered 202 is processed by a real intake worker (make test-services)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.models import AuditEntry
from complaints.models import Report
from complaints.services.partners import partner_create
from tests.complaints.samples import spam
from tests.personas import token_client
from tests.services.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def worker_kinds():
    from abusedesk.queues import INTAKE

    return (INTAKE,)  # processing needs only the intake queue


def test_a_202_report_ends_processed_by_the_intake_worker(celery_worker):
    _, key = partner_create(name="Receiver")
    client = token_client(key)
    response = client.post("/api/v1/reports/", data=spam(at=AT), content_type="message/rfc822")
    assert response.status_code == 202, response.content
    url = response["Location"]
    assert response.json()["status"] == "received" and response.json()["url"] == url

    def processed():
        body = client.get(url).json()
        return body if body["status"] != "received" else None

    body = wait_for(processed, timeout=30)
    assert body and body["status"] == "parsed", client.get(url).json()
    assert body["source_ip"] == "198.51.100.23" and body["url_hosts"] == ["pills.example.net"]
    report = Report.objects.get(pk=body["id"])
    assert report.case_id is not None
    assert wait_for(lambda: Report.objects.filter(pk=report.pk, attributed_at__isnull=False).exists())
    actions = set(AuditEntry.objects.filter(object_id=str(report.pk)).values_list("action", flat=True))
    assert {"report.received", "report.parsed"} <= actions
    # Sent again: the same report, as before.
    again = client.post("/api/v1/reports/", data=spam(at=AT), content_type="message/rfc822")
    assert again.status_code == 200 and again.json()["id"] == report.pk
    assert Report.objects.count() == 1


def test_a_short_form_answered_202_is_parsed_from_its_stored_bytes(celery_worker):
    _, key = partner_create(name="Receiver")
    client = token_client(key)
    form = {"source_ip": "198.51.100.7", "occurred_at": AT.isoformat(), "category": "spam"}
    response = client.post("/api/v1/reports/", data=json.dumps(form), content_type="application/json")
    assert response.status_code == 202, response.content
    url = response["Location"]
    body = wait_for(lambda: (b := client.get(url).json())["status"] != "received" and b, timeout=30)
    assert body and body["status"] == "parsed" and body["format"] == "form", client.get(url).json()
    assert body["source_ip"] == "198.51.100.7"
