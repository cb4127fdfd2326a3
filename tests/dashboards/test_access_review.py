"""The managers' access review: who opened complaint content (S1) and traffic data (S2),
read from the audit trail the desk writes at every opening (POLICY.md "Secrecy of
communications")."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abusedesk.audit import audit_record
from abusedesk.models import AuditEntry
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.sanctions import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/accesses/"


@pytest.fixture
def case(isp):  # noqa: F811
    return factories.case_from_reports()


def _opened_by_staff(case, staff_client):
    """Staff read a report's content with a purpose, and open the case (its attribution)."""
    report = case.reports.first()
    assert staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "checking the headers"}).status_code == 200
    assert staff_client.get(f"/cases/{case.pk}/").status_code == 200
    return report


def test_a_manager_sees_who_opened_what_in_which_case_and_why(case, staff, staff_client, manager_client):
    report = _opened_by_staff(case, staff_client)
    response = manager_client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "checking the headers" in text  # the purpose given
    assert report.reference in text and f"/cases/{case.pk}/" in text
    people = {p.person: p for p in response.context["people"]}
    assert people[staff.username].content == 1
    assert people[staff.username].traffic >= 1
    assert people[staff.username].cases == 1 and people[staff.username].outside_a_case == 0


def test_staff_may_not_review_accesses(staff_client):
    assert staff_client.get(URL).status_code == 403


def test_filters_narrow_to_a_person_a_kind_and_a_case(case, staff, manager, staff_client, manager_client):
    _opened_by_staff(case, staff_client)
    manager_client.get(f"/cases/{case.pk}/")  # the manager's own S2 opening
    mine = manager_client.get(URL, {"person": manager.username}).context["rows"]
    assert mine and {r["person"] for r in mine} == {manager.username}
    content = manager_client.get(URL, {"kind": "content"}).context["rows"]
    assert [r["kind"] for r in content] == ["content"] and content[0]["person"] == staff.username
    assert manager_client.get(URL, {"case": case.pk + 1000}).context["rows"] == []
    assert len(manager_client.get(URL, {"case": case.pk}).context["rows"]) >= 3


def test_an_access_outside_any_case_is_counted_apart(staff, manager_client):
    """A report in manual triage has no case: opening its content is recorded without one,
    and the review shows it apart, for a person to look at."""
    audit_record(actor=staff, action="content.viewed", object_type="complaints.report", object_id=7,
                 case_id=None, reason="triage")  # fmt: skip
    people = {p.person: p for p in manager_client.get(URL).context["people"]}
    assert people[staff.username].outside_a_case == 1


def test_other_audit_entries_are_not_accesses(staff, manager_client):
    audit_record(actor=staff, action="case.replied", object_type="complaints.case", object_id=1, case_id=1)
    assert manager_client.get(URL).context["rows"] == []


def test_the_period_is_days_in_the_readers_zone_both_included(staff, manager_client):
    entry = audit_record(actor=staff, action="content.viewed", object_type="complaints.report",
                         object_id=9, case_id=3, reason="old one")  # fmt: skip
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(days=20))
    assert manager_client.get(URL).context["rows"] == []  # the last 7 days by default
    day = timezone.localdate() - timedelta(days=20)
    rows = manager_client.get(URL, {"since": day.isoformat(), "until": day.isoformat()}).context["rows"]
    assert [r["purpose"] for r in rows] == ["old one"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-12-05", "until": "2026-12-01"}, "The first day is after the last day."),
        ({"since": "2020-01-01", "until": "2026-12-01"}, "Choose at most 366 days at a time."),
        ({"since": "yesterday"}, "Enter a valid date."),
        ({"case": "-3"}, "Ensure this value is greater than or equal to 1."),
        ({"kind": "everything-else"}, "Select a valid choice."),
    ],
)
def test_bad_filters_are_refused_with_a_reason(manager_client, query, message):
    response = manager_client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_csv_lists_every_access_and_defuses_formulas(staff, manager_client):
    audit_record(actor=staff, action="content.viewed", object_type="complaints.report", object_id=5,
                 case_id=2, reason="=HYPERLINK(\"http://x\")")  # fmt: skip
    response = manager_client.get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["at", "person", "kind"]
    assert rows[1][1] == staff.username and rows[1][2] == "content" and rows[1][6].startswith("'=")


def test_the_page_costs_the_same_queries_with_more_accesses(staff, manager_client):
    def add(n):
        for i in range(n):
            audit_record(actor=staff, action="traffic.viewed", object_type="complaints.case",
                         object_id=i + 1, case_id=i + 1, reason="attribution shown within the case")  # fmt: skip

    add(3)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(URL)
    add(120)
    with CaptureQueriesContext(connection) as many:
        response = manager_client.get(URL)
    assert len(response.context["rows"]) == 50
    assert len(many) == len(few)


def test_the_dashboard_links_to_the_review(manager_client):
    assert URL in manager_client.get("/dashboard/").content.decode()
