from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Case
from complaints.services import report_ingest
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db


def file(n, reporter="email:r@x.example", **case_fields):
    report = report_ingest(
        raw=spam(at=timezone.now(), origin_ip=f"198.51.100.{n}", message_id=f"<d{n}@x>"),
        channel="mailbox",
        reporter_key=reporter,
        acknowledge=False,
    ).report
    Case.objects.filter(pk=report.case_id).update(**case_fields)
    return report


def test_managers_see_every_section_with_charts_and_tables(manager_client):
    now = timezone.now()
    file(
        1,
        roles=["sending"],
        roles_text=",sending,",
        sending_method="hijacked_host",
        accounts=["C-1"],
        first_action_at=now + timedelta(hours=2),
    )
    file(2, reporter="email:<script>@x.example", roles=["not_ours"], roles_text=",not_ours,")
    response = manager_client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Reports and cases per day",
        "Cases by role",
        "Cases by sending method",
        "Share of foreign-origin reports",
        "Time to first action",
        "Measures by level",
        "Overdue emergency measures",
        "Top reporters",
        "Top accounts",
    ):
        assert title in html
    assert "<svg" in html and "<script>@" not in html  # labels are escaped
    sections = {s["slug"]: s["rows"] for s in response.context["sections"]}
    assert sections["foreign"] == [{"reports": 2, "foreign_origin": 1, "share_percent": 50.0}]
    assert {"key": "hijacked_host", "cases": 1} in sections["by_method"]
    assert sections["top_accounts"][0]["account"] == "C-1"
    assert sections["response"][0]["median_hours"] == pytest.approx(2.0, abs=0.1)


def test_staff_cannot_see_the_dashboard(staff_client):
    assert staff_client.get("/dashboard/").status_code == 403


def test_csv_export_has_the_table_and_neutralises_formulas(manager_client, monkeypatch, settings):
    settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS = 0  # every view recomputes (the patched metric)
    file(3, reporter="email:r3@x.example")
    response = manager_client.get("/dashboard/top_reporters.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == ["reporter,reports", "email:r3@x.example,1"]
    monkeypatch.setattr(
        "dashboards.metrics.top_reporters", lambda period: [{"reporter": '=HYPERLINK("x")', "reports": 1}]
    )
    body = manager_client.get("/dashboard/top_reporters.csv").content.decode()
    assert "'=HYPERLINK" in body
    assert manager_client.get("/dashboard/nope.csv").status_code == 404
