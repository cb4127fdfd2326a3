"""Reports the desk could not process (manual triage: a person's complaint with nothing
to go on, a file that is no message) have no case to be worked in. They wait on the home
page and under the report list's status filter until someone closes them with a reason;
before, they appeared nowhere but the unfiltered list, with nothing to do about them."""

import pytest

from abusedesk.models import AuditEntry
from complaints.models import Report
from complaints.services import report_ingest
from tests.personas import token_client

pytestmark = pytest.mark.django_db
NOTHING = b"From: angry@elsewhere.example\r\nTo: abuse@isp.example.jp\r\nSubject: spam\r\n\r\nStop your spam!\r\n"


@pytest.fixture
def triage(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = report_ingest(
            raw=NOTHING, content_type="message/rfc822", channel="web", reporter_key="staff:sato", submitted_by=staff
        )
    report = Report.objects.get(pk=result.report.pk)
    assert report.status == "manual_triage"
    return report


def test_a_report_in_triage_waits_on_the_home_page_and_under_the_filter(triage, staff_client):
    home = staff_client.get("/").content.decode()
    assert f'href="/reports/{triage.pk}/"' in home.split('id="triage"')[1].split("</section>")[0]
    listed = staff_client.get("/reports/", {"status": "manual_triage"}).context["page"]
    assert [r.pk for r in listed] == [triage.pk]
    assert list(staff_client.get("/reports/", {"status": "parsed"}).context["page"]) == []


def test_staff_close_it_with_a_reason_in_the_audit_trail_and_it_leaves_the_home_page(triage, staff_client):
    refused = staff_client.post(f"/reports/{triage.pk}/close/", {"reason": "x"}, follow=True)
    assert "at least 5 characters" in refused.content.decode()
    assert Report.objects.get(pk=triage.pk).status == "manual_triage"

    staff_client.post(f"/reports/{triage.pk}/close/", {"reason": "Nothing pasted; asked for headers by phone"})
    report = Report.objects.get(pk=triage.pk)
    assert report.status == "closed" and report.status_reason.startswith("Nothing pasted")
    entry = AuditEntry.objects.get(action="report.closed", object_id=str(triage.pk))
    assert entry.reason.startswith("Nothing pasted") and entry.actor_name == "sato"
    assert f'href="/reports/{triage.pk}/"' not in staff_client.get("/").content.decode().split('id="triage"')[1]


def test_the_api_closes_it_for_the_desk_and_refuses_it_closed(triage, staff_token):
    api = token_client(staff_token)
    url, body = f"/api/v1/reports/{triage.pk}/close/", {"reason": "no material"}
    answer = api.post(url, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "closed"
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 409
