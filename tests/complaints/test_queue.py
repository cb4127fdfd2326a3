from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abusedesk.models import AuditEntry
from complaints.models import Case, SavedFilter
from complaints.services import report_ingest
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def make_case(n: int, **fields) -> Case:
    report = report_ingest(
        raw=spam(at=AT, origin_ip=f"198.51.100.{n}", message_id=f"<q{n}@x.example>"),
        channel="mailbox",
        reporter_key=f"email:r{n}@receiver.example",
        acknowledge=False,
    ).report
    Case.objects.filter(pk=report.case_id).update(**fields)
    return Case.objects.get(pk=report.case_id)


def ids(response) -> list[int]:
    return [c.pk for c in response.context["page"]]


def test_the_queue_filters_by_role_method_and_kind(staff_client):
    a = make_case(
        1,
        roles=["sending"],
        roles_text=",sending,",
        sending_method="hijacked_host",
        account_kinds_text=",connection,",
    )
    b = make_case(2, roles=["hosting"], roles_text=",hosting,", account_kinds_text=",hosting,")
    assert ids(staff_client.get("/cases/?role=sending")) == [a.pk]
    assert ids(staff_client.get("/cases/?role=hosting")) == [b.pk]
    assert ids(staff_client.get("/cases/?sending_method=hijacked_host")) == [a.pk]
    assert ids(staff_client.get("/cases/?account_kind=hosting")) == [b.pk]


def test_free_text_finds_address_account_reporter_and_message_id(staff_client):
    a = make_case(3, accounts_text=",C-00042,")
    make_case(4)
    assert ids(staff_client.get("/cases/?q=198.51.100.3")) == [a.pk]
    assert ids(staff_client.get("/cases/?q=C-00042")) == [a.pk]
    assert ids(staff_client.get("/cases/?q=r3@receiver.example")) == [a.pk]
    assert ids(staff_client.get("/cases/?q=<q3@x.example>")) == [a.pk]


def test_oldest_untouched_comes_first_when_asked(staff_client):
    old = make_case(5, created_at=timezone.now() - timedelta(days=3))
    acted = make_case(6, created_at=timezone.now() - timedelta(days=5), first_action_at=timezone.now())
    new = make_case(7)
    assert ids(staff_client.get("/cases/?order=untouched")) == [old.pk, new.pk, acted.pk]


def test_sla_overdue_filter(staff_client, settings):
    settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS = 24
    late = make_case(8, created_at=timezone.now() - timedelta(hours=30))
    make_case(9)
    response = staff_client.get("/cases/?sla=overdue")
    assert ids(response) == [late.pk]
    assert "overdue" in response.content.decode()


def test_the_queue_runs_a_constant_number_of_queries(staff_client):
    for n in range(10, 13):
        make_case(n)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(f"/cases/?size={size}").status_code == 200
        return len(ctx.captured_queries)

    small = count(2)
    for n in range(13, 25):
        make_case(n)
    assert count(50) == small


def test_assign_to_me_in_bulk_starts_the_sla_clock(staff_client, staff):
    a, b = make_case(30), make_case(31)
    response = staff_client.post("/cases/bulk/", {"cases": [a.pk, b.pk], "action": "assign_me"}, follow=True)
    assert "2 cases updated." in response.content.decode()
    for case in Case.objects.filter(pk__in=[a.pk, b.pk]):
        assert case.assignee == staff and case.first_action_at is not None
    assert AuditEntry.objects.filter(action="case.assigned").count() == 2
    assert set(ids(staff_client.get("/cases/?assignee=me"))) == {a.pk, b.pk}


def test_close_as_duplicate_needs_the_other_case(staff_client):
    a, b = make_case(32), make_case(33)
    response = staff_client.post("/cases/bulk/", {"cases": [a.pk], "action": "duplicate"}, follow=True)
    assert "name the case this one duplicates" in response.content.decode()
    staff_client.post("/cases/bulk/", {"cases": [a.pk], "action": "duplicate", "duplicate_of": b.pk})
    a.refresh_from_db()
    assert (a.status, a.resolution) == ("closed", "duplicate")


def test_nobody_marks_a_joe_job_by_hand(staff_client):
    a = make_case(34)
    response = staff_client.post("/cases/bulk/", {"cases": [a.pk], "action": "joe_job"}, follow=True)
    assert "joe_job is not one of the available choices" in response.content.decode()
    a.refresh_from_db()
    assert a.status == "open"


def test_nothing_selected_gives_a_message(staff_client):
    response = staff_client.post("/cases/bulk/", {"action": "assign_me"}, follow=True)
    assert "Select at least one case" in response.content.decode()


def test_saved_filters_are_per_user(staff_client, manager_client, staff):
    staff_client.post("/cases/filters/", {"name": "hijacked", "query": "sending_method=hijacked_host"})
    assert SavedFilter.objects.get().user == staff
    assert "hijacked" in staff_client.get("/cases/").content.decode()
    assert "hijacked</a>" not in manager_client.get("/cases/").content.decode()


def test_the_bulk_redirect_stays_on_this_site(staff_client):
    a = make_case(35)
    response = staff_client.post(
        "/cases/bulk/", {"cases": [a.pk], "action": "assign_me", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/cases/"


def test_the_api_queue_shares_the_filters(staff_token, partner):
    from tests.personas import token_client

    a = make_case(40, roles_text=",hosting,")
    make_case(41)
    body = token_client(staff_token).get("/api/v1/cases/?role=hosting").json()
    assert [c["id"] for c in body["results"]] == [a.pk]
    assert token_client(partner[1]).get("/api/v1/cases/").status_code == 403
    # Who held which address when (S2) is shown within a case, never across the queue.
    row = body["results"][0]
    assert "attribution" not in row and "findings" not in row
    assert "attribution" in token_client(staff_token).get(f"/api/v1/cases/{a.pk}/").json()
