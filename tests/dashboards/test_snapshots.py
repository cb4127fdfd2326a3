"""The dashboard's stored figures (dashboards/snapshots.py): equal to a plain recount of
the records, reused while young, recomputed when old, refreshed by the beat task."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import Case, Report
from dashboards.models import MetricSnapshot
from dashboards.tasks import refresh_dashboard
from tests.dashboards.test_dashboard import file

pytestmark = pytest.mark.django_db


def recount(days: int = 30) -> dict:
    """The figures from the records, one row at a time, with none of the metrics' code."""
    since = timezone.now() - timedelta(days=days)
    reports = [r for r in Report.objects.select_related("case") if r.received_at >= since]
    cases = [c for c in Case.objects.all() if c.created_at >= since]
    per_day = Counter(timezone.localdate(r.received_at).isoformat() for r in reports)
    roles = Counter(role for c in cases for role in (c.roles or ["unattributed"]))
    foreign = sum(1 for r in reports if r.case and r.case.roles_text in (",not_ours,", ",receiving,"))
    accounts = Counter()
    for c in Case.objects.all():
        if c.last_activity_at >= since:
            for account in c.accounts or []:
                accounts[account] += c.report_count
    return {
        "per_day": {d: n for d, n in per_day.items()},
        "by_role": dict(roles),
        "by_method": dict(Counter(c.sending_method or "none" for c in cases)),
        "foreign": (len(reports), foreign),
        "top_reporters": dict(Counter(r.reporter_key for r in reports)),
        "top_accounts": dict(accounts),
    }


def shown(response) -> dict:
    sections = {s["slug"]: s["rows"] for s in response.context["sections"]}
    return {
        "per_day": {row["day"]: row["reports"] for row in sections["per_day"] if row["reports"]},
        "by_role": {row["key"]: row["cases"] for row in sections["by_role"]},
        "by_method": {row["key"]: row["cases"] for row in sections["by_method"]},
        "foreign": (sections["foreign"][0]["reports"], sections["foreign"][0]["foreign_origin"]),
        "top_reporters": {row["reporter"]: row["reports"] for row in sections["top_reporters"]},
        "top_accounts": {row["account"]: row["reports"] for row in sections["top_accounts"]},
    }


def age(seconds: int) -> None:
    """Every stored snapshot made `seconds` older."""
    for snapshot in MetricSnapshot.objects.all():
        MetricSnapshot.objects.filter(pk=snapshot.pk).update(
            computed_at=snapshot.computed_at - timedelta(seconds=seconds),
            period_end=snapshot.period_end - timedelta(seconds=seconds),
            period_start=snapshot.period_start - timedelta(seconds=seconds),
        )


def report_queries(client, url: str) -> int:
    statements: list[str] = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert client.get(url).status_code == 200
    return sum(1 for sql in statements if '"complaints_report"' in sql)


def changes() -> None:
    """New reports, a case re-attributed as foreign, one with an account, one moved back."""
    for n in (11, 12, 13):
        file(n, reporter=f"email:r{n % 2}@x.example", roles=["sending"], roles_text=",sending,",
             sending_method="self_operated_server", accounts=[f"C-{n}"])  # fmt: skip
    first = Report.objects.order_by("pk").first()
    Case.objects.filter(pk=first.case_id).update(roles=["not_ours"], roles_text=",not_ours,")
    Report.objects.filter(pk=Report.objects.order_by("-pk").first().pk).update(
        received_at=timezone.now() - timedelta(days=3)
    )


def test_the_figures_equal_a_recount_after_changes_once_the_stored_ones_age(manager_client, settings):
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = 120
    file(1, roles=["hosting"], roles_text=",hosting,", accounts=["C-1"])
    file(2, reporter="email:r1@x.example")
    first = manager_client.get("/dashboard/")
    assert shown(first) == recount()
    changes()
    # Young figures are reused, and the page says as of when.
    again = manager_client.get("/dashboard/")
    assert shown(again) == shown(first) != recount()
    assert "Figures as of" in again.content.decode()
    age(121)
    assert shown(manager_client.get("/dashboard/")) == recount()
    assert shown(manager_client.get("/dashboard/?days=2")) == recount(2) != recount()
    assert set(MetricSnapshot.objects.values_list("days", flat=True)) == {30, 2}


def test_without_a_max_age_every_view_recounts(manager_client, settings):
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = 0
    file(1)
    assert shown(manager_client.get("/dashboard/")) == recount()
    changes()
    assert shown(manager_client.get("/dashboard/")) == recount()
    assert report_queries(manager_client, "/dashboard/") > 0


def test_the_beat_task_refreshes_the_default_period_so_the_page_only_reads(manager_client, settings):
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = 120
    file(1)
    refresh_dashboard.delay()  # eager without a broker
    assert report_queries(manager_client, "/dashboard/") == 0
    changes()
    age(121)
    refresh_dashboard()  # what beat runs every minute
    assert report_queries(manager_client, "/dashboard/") == 0
    assert shown(manager_client.get("/dashboard/")) == recount()
    assert manager_client.get("/dashboard/top_reporters.csv").status_code == 200
    assert report_queries(manager_client, "/dashboard/top_reporters.csv") == 0


def test_a_snapshot_missing_a_metric_is_recomputed(manager_client, settings):
    """Figures stored by an older version (a metric added since) are not shown half empty."""
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = 120
    file(1, accounts=["C-1"])
    refresh_dashboard()
    snapshot = MetricSnapshot.objects.get(days=30)
    del snapshot.figures["top_accounts"]
    snapshot.save()
    assert report_queries(manager_client, "/dashboard/") > 0
    assert shown(manager_client.get("/dashboard/")) == recount()
