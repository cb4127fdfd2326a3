"""Every list page and list API costs the same number of SQL statements for a few rows
and for many (issue 13, target 4; issue 11, item 7).

The data starts as one real case (ingested, attributed, evaluated, with a proposal)
and grows by copying its rows, so every column the pages read carries a real value.
Each page is fetched once with SMALL rows and once with LARGE rows; the statement
counts must be equal.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import Case, Hop, Report, ReportUrl
from sanctions.models import Sanction
from tests.personas import token_client
from tests.sanctions import factories
from tests.sanctions.conftest import case, isp, recommended  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 60


def sql_count(client, url: str) -> int:
    """Statements one GET runs (every statement through the connection, whatever logs them)."""
    statements: list[str] = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def _copies(instance, n: int, vary) -> list:
    rows = []
    for i in range(n):
        row = copy.copy(instance)
        row.pk = row.id = None
        row._state = copy.copy(instance._state)
        row._state.adding = True
        vary(row, i)
        rows.append(row)
    return rows


class Grower:
    """Copies the template case's rows: more cases, more reports in one case, more proposals."""

    def __init__(self, template: Case):
        self.template = template
        self.report = Report.objects.filter(case=template).order_by("pk").first()
        self.hops = list(Hop.objects.filter(report=self.report))
        self.urls = list(ReportUrl.objects.filter(report=self.report))
        self.cases = 1
        self.reports = 0

    def _reports_for(self, cases: list[Case], per_case: int = 1) -> None:
        start = self.reports

        def vary(row, i):
            row.case_id = cases[i // per_case].pk
            row.raw_sha256 = f"{start + i:064x}"
            row.received_at = timezone.now() - timedelta(seconds=start + i)

        reports = Report.objects.bulk_create(_copies(self.report, len(cases) * per_case, vary))
        self.reports += len(reports)
        hops, urls = [], []
        for report in reports:
            for hop in self.hops:
                hops += _copies(hop, 1, lambda row, i, r=report: setattr(row, "report_id", r.pk))
            for url in self.urls:
                urls += _copies(url, 1, lambda row, i, r=report: setattr(row, "report_id", r.pk))
        Hop.objects.bulk_create(hops)
        ReportUrl.objects.bulk_create(urls)

    def cases_to(self, total: int, **fields) -> None:
        """Open cases with the template's attribution (same address, account and Message-ID)."""
        start = self.cases

        def vary(row, i):
            row.key = f"grown:{start + i}"
            row.last_activity_at = timezone.now() - timedelta(minutes=start + i)
            for name, value in fields.items():
                setattr(row, name, value)

        cases = Case.objects.bulk_create(_copies(self.template, total - self.cases, vary))
        self.cases = total
        self._reports_for(cases)

    def case_reports_to(self, total: int) -> None:
        have = Report.objects.filter(case=self.template).count()
        self._reports_for([self.template], per_case=total - have)
        Case.objects.filter(pk=self.template.pk).update(report_count=total)

    def proposals_to(self, total: int, proposer) -> None:
        have = Sanction.objects.count()
        assert total <= len(factories.CONNECTION_LEVELS), "more proposals than levels C-3 can take"
        # Each at another level: one proposal per level and account awaits a decision at a time.
        for level in factories.CONNECTION_LEVELS[have:total]:
            factories.propose(self.template, proposer, level=level)


@pytest.fixture
def grower(case, staff):  # noqa: F811
    case.assignee = staff
    case.save(update_fields=["assignee"])
    factories.propose(case, staff, level=factories.CONNECTION_LEVELS[0])
    return Grower(case)


def constant(client, urls, grow) -> None:
    few = {url: sql_count(client, url) for url in urls}
    grow()
    many = {url: sql_count(client, url) for url in urls}
    assert many == few


def test_the_case_queue_costs_the_same_for_10_and_60_cases(grower, staff, staff_client):
    message_id = grower.report.message_id.strip("<>")
    urls = [
        "/cases/?size=200",
        "/cases/?size=200&order=untouched",
        "/cases/?size=200&status=open&role=sending&evidence_level=E2&sla=overdue&assignee=me",
        f"/cases/?size=200&q={grower.template.subject}",
        "/cases/?size=200&q=C-3",
        f"/cases/?size=200&q={message_id}",
        f"/cases/?size=200&q=ADR-{grower.report.pk:08d}",
    ]
    grower.cases_to(SMALL, assignee=staff)
    constant(staff_client, urls, lambda: grower.cases_to(LARGE, assignee=staff))
    # The pages did list the grown cases, not an empty result.
    assert len(staff_client.get(f"/cases/?size=200&q={message_id}").context["page"]) == LARGE


def test_the_report_queue_costs_the_same_for_10_and_60_reports(grower, staff_client):
    grower.cases_to(SMALL)
    constant(staff_client, ["/reports/", "/reports/?page=1"], lambda: grower.cases_to(LARGE))
    assert len(staff_client.get("/reports/").context["page"]) == 50


def test_a_case_page_costs_the_same_with_10_and_60_reports(grower, staff_client, manager_client):
    pk = grower.template.pk
    grower.case_reports_to(SMALL)
    urls = [f"/cases/{pk}/", f"/sanctions/cases/{pk}/dossier/", f"/sanctions/cases/{pk}/propose/"]
    constant(staff_client, urls, lambda: grower.case_reports_to(LARGE))
    assert len(staff_client.get(f"/cases/{pk}/").context["reports"]) == LARGE


def test_the_review_queue_and_sanction_lists_cost_the_same_for_2_and_6_proposals(
    grower, staff, manager_client
):
    pk = grower.template.pk
    urls = ["/sanctions/review/", f"/sanctions/cases/{pk}/dossier/", f"/sanctions/cases/{pk}/propose/", "/"]
    grower.proposals_to(2, staff)
    constant(manager_client, urls, lambda: grower.proposals_to(6, staff))


@pytest.mark.parametrize("max_age", [0, 120], ids=["recomputed", "stored"])
def test_the_home_page_and_dashboard_cost_the_same_for_10_and_60_cases(
    grower, staff, manager_client, settings, max_age
):
    """Computed in the request (max age 0, or an aged snapshot) or read from the stored
    figures (dashboards/snapshots.py): either way as many statements for many cases."""
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = max_age
    grower.cases_to(SMALL, assignee=staff)
    urls = ["/", "/dashboard/", "/dashboard/?days=7", "/dashboard/top_accounts.csv"]
    if max_age:
        for url in urls:
            manager_client.get(url)  # the first view of each period stores its figures
    constant(manager_client, urls, lambda: grower.cases_to(LARGE))


def test_the_case_api_costs_the_same_for_10_and_60_cases(grower, staff_token):
    client = token_client(staff_token)
    client.get("/api/v1/cases/")  # the token's first use of the minute writes last_used_at
    urls = ["/api/v1/cases/", "/api/v1/cases/?role=sending&evidence_level=E2", "/api/v1/cases/?q=C-3"]
    grower.cases_to(SMALL)
    constant(client, urls, lambda: grower.cases_to(LARGE))
    assert client.get("/api/v1/cases/?q=C-3").json()["count"] >= LARGE


def test_the_report_api_costs_the_same_for_10_and_60_reports(grower, staff_token):
    staff = token_client(staff_token)
    staff.get("/api/v1/reports/")
    grower.cases_to(SMALL)
    constant(
        staff, ["/api/v1/reports/", "/api/v1/reports/?status=attributed"], lambda: grower.cases_to(LARGE)
    )


def test_the_queues_count_only_a_window_past_the_page(grower, staff_client, staff_token, monkeypatch):
    """No COUNT(*) over every matching row: past the window the total reads "N+"."""
    monkeypatch.setattr("abusedesk.pagination.COUNT_WINDOW", 3)
    grower.cases_to(6)
    statements: list[str] = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        first = staff_client.get("/cases/?size=2")
    counts = [sql for sql in statements if "COUNT(" in sql.upper() and "complaints_case" in sql]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    # ... and unsorted: a sort in the count walks the queue's sort index (all of it
    # for a filter that matches few rows) instead of reading the filter's rows.
    assert not any("ORDER BY" in sql.upper() for sql in counts), counts
    assert "Page 1 of 2+" in first.content.decode()
    assert len(first.context["page"]) == 2
    # The window moves with the page: the last page is reached and its total is exact.
    last = staff_client.get("/cases/?size=2&page=3")
    assert [c.pk for c in last.context["page"]] and "Page 3 of 3<" in last.content.decode()
    monkeypatch.setattr("abusedesk.pagination.CappedPageNumberPagination.page_size", 2)
    api = token_client(staff_token)
    capped = api.get("/api/v1/cases/").json()
    assert (capped["count"], capped["count_capped"], len(capped["results"])) == (4, True, 2)
    assert capped["next"]
    exact = api.get("/api/v1/cases/?page=3").json()
    assert (exact["count"], exact["count_capped"], exact["next"]) == (6, False, None)


def test_the_criteria_versions_list_costs_the_same_for_2_and_6_versions(manager, manager_client):
    from policies.selectors import active_criteria
    from policies.services import criteria_edit

    def edits_to(total: int) -> None:
        from policies.models import CriteriaSet

        while CriteriaSet.objects.count() < total:
            active = active_criteria()
            criteria_edit(
                user=manager,
                note="review deadline",
                settings={"review_hours": active.review_hours % 96 + 1},
                base_version=active.version,
            )

    edits_to(2)
    constant(manager_client, ["/policies/versions/"], lambda: edits_to(6))


def test_a_partners_report_list_costs_the_same_for_10_and_60_reports(grower, partner):
    client = token_client(partner[1])
    client.get("/api/v1/reports/")

    def grow(total: int) -> None:
        grower.cases_to(total)
        Report.objects.update(partner=partner[0])

    grow(SMALL)
    constant(client, ["/api/v1/reports/"], lambda: grow(LARGE))
    assert len(client.get("/api/v1/reports/").json()["results"]) == 50


def test_a_page_number_past_any_queue_is_out_of_range_not_a_server_error(grower, staff_client, staff_token):
    """Found by schemathesis: ?page=5330251526245662720 overflowed SQLite's integers in
    the counting window (500)."""
    grower.cases_to(2)
    huge = "5330251526245662720"
    api = token_client(staff_token)
    for url in (f"/api/v1/reports/?page={huge}", f"/api/v1/cases/?page={huge}"):
        response = api.get(url)
        assert response.status_code == 404, (url, response.content[:200])
        assert "Invalid page" in response.json()["detail"]
    web = staff_client.get(f"/cases/?page={huge}")
    assert web.status_code == 200 and len(web.context["page"]) == 2  # the last page
