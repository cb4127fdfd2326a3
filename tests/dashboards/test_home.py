"""The home page ("my work"), the search box, and the pages shown when a page is refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.services.triage import case_assign
from sanctions.choices import State
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.sanctions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(isp):  # noqa: F811
    return factories.case_from_reports()


def test_staff_see_their_cases_and_their_waiting_proposals(case, staff, staff_client):
    case_assign(case_ids=[case.pk], assignee_id=staff.pk, actor=staff)
    sanction = factories.propose(case, staff)
    response = staff_client.get("/")
    work = response.context["work"]
    assert work.assigned == [case] and work.my_proposals == [sanction]
    assert work.to_review == []  # staff do not review
    text = response.content.decode()
    assert "Assigned to me" in text and sanction.reference in text and "Awaiting my review" not in text


def test_managers_see_what_awaits_their_review_but_not_their_own_proposals(
    case, staff, manager, manager_client
):
    by_staff = factories.propose(case, staff)
    response = manager_client.get("/")
    assert response.context["work"].to_review == [by_staff]
    assert by_staff.reference in response.content.decode()
    factories.walk(by_staff, factories.PATHS[State.REJECTED], desk=staff, decider=manager)
    assert manager_client.get("/").context["work"].to_review == []


def test_a_case_nobody_acted_on_is_overdue_after_the_sla(case, staff_client, settings):
    settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS = 1
    case.created_at = case.created_at.replace(year=case.created_at.year - 1)
    case.save(update_fields=["created_at"])
    assert staff_client.get("/").context["work"].overdue == [case]


def test_the_home_page_costs_the_same_queries_with_more_work(isp, staff, staff_client):  # noqa: F811
    first = factories.case_from_reports()
    case_assign(case_ids=[first.pk], assignee_id=staff.pk, actor=staff)
    factories.propose(first, staff)
    with CaptureQueriesContext(connection) as few:
        staff_client.get("/")
    for ip in ("198.51.100.23", "198.51.100.24"):
        other = factories.case_from_reports(ip=ip)
        case_assign(case_ids=[other.pk], assignee_id=staff.pk, actor=staff)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get("/")
    assert len(response.context["work"].assigned) == 3
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("ADR-{report:08d}", "/reports/{report}/"),
        ("adr-{report}", "/reports/{report}/"),
        ("ADS-{sanction:06d}", "/sanctions/{sanction}/"),
        ("{case}", "/cases/{case}/"),
        ("#{case}", "/cases/{case}/"),
        ("ＡＤＲ－{report_wide}", "/reports/{report}/"),  # typed with a Japanese input method
    ],
)
def test_a_reference_in_the_search_box_opens_its_page(case, staff, staff_client, query, target):
    sanction = factories.propose(case, staff)
    ids = {"report": case.reports.first().pk, "sanction": sanction.pk, "case": case.pk}
    ids["report_wide"] = str(ids["report"]).translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"})
    response = staff_client.get("/find/", {"q": query.format(**ids)})
    assert response.status_code == 302 and response["Location"] == target.format(**ids)
    assert staff_client.get(response["Location"]).status_code == 200


def test_other_text_searches_the_queue_over_every_status(case, staff_client):
    response = staff_client.get("/find/", {"q": "203.0.113.5"}, follow=True)
    assert [c.pk for c in response.context["page"]] == [case.pk]


@pytest.mark.parametrize("typed", ["２０３．０．１１３．５", "２０３。０。１１３。５"])
def test_an_address_typed_in_full_width_searches_the_queue(case, staff_client, typed):
    response = staff_client.get("/find/", {"q": typed}, follow=True)
    assert [c.pk for c in response.context["page"]] == [case.pk]


def test_the_queue_search_finds_a_report_number(case, staff_client):
    report = case.reports.first()
    response = staff_client.get("/cases/", {"q": report.reference, "status": ""})
    assert [c.pk for c in response.context["page"]] == [case.pk]


def test_staff_on_a_managers_page_get_the_styled_refusal(staff_client):
    for url in ("/policies/", "/dashboard/"):
        response = staff_client.get(url)
        assert response.status_code == 403
        text = response.content.decode()
        assert (
            "Not for your role" in text
            and 'href="/static/css/desk.css"' in text
            and "Back to my work" in text
        )


def test_a_missing_page_is_styled_and_in_japanese_when_asked(staff_client, settings):
    settings.DEBUG = False
    response = staff_client.get("/cases/999999/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 404
    assert 'href="/static/css/desk.css"' in response.content.decode()
