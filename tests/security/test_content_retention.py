"""POLICY.md: raw complaint content is purged after the retention period; digests, facts, decisions stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from abusedesk.models import AuditEntry
from complaints.models import Case, Hop, Report
from complaints.services.retention import content_purge_expired
from complaints.tasks import purge_expired_content
from tests.personas import token_client
from tests.sanctions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(isp):
    case = factories.case_from_reports()
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now() - timedelta(days=91))
    return Case.objects.get(pk=case.pk)


def _reports(case):
    return list(Report.objects.filter(case=case).order_by("id"))


def test_content_is_purged_after_the_retention_period_and_facts_stay(closed_case):
    before = _reports(closed_case)
    assert all(bytes(r.raw) for r in before) and Hop.objects.filter(report__case=closed_case).exclude(raw="")
    result = content_purge_expired()
    assert result == {"cases": 1, "reports": len(before)}
    after = _reports(closed_case)
    for old, new in zip(before, after, strict=True):
        assert bytes(new.raw) == b"" and new.raw_purged_at is not None
        assert (new.raw_sha256, new.size, new.facts, new.attribution, new.source_ip) == (
            old.raw_sha256,
            old.size,
            old.facts,
            old.attribution,
            old.source_ip,
        )
    hops = Hop.objects.filter(report__case=closed_case)
    assert hops.exists() and not hops.exclude(raw="").exists()
    assert hops.exclude(from_address=None).exists()  # the parsed hop facts remain
    entry = AuditEntry.objects.get(action="content.purged")
    assert entry.case_id == closed_case.pk and entry.actor is None
    assert [r["sha256"] for r in entry.data["reports"]] == [r.raw_sha256 for r in before]
    assert "90 days after the case closed" in entry.reason


def test_purging_twice_does_nothing_more(closed_case):
    content_purge_expired()
    assert content_purge_expired() == {"cases": 0, "reports": 0}
    assert AuditEntry.objects.filter(action="content.purged").count() == 1


def test_nothing_is_purged_before_its_time_or_from_an_open_case(closed_case):
    Case.objects.filter(pk=closed_case.pk).update(closed_at=timezone.now() - timedelta(days=89))
    assert content_purge_expired() == {"cases": 0, "reports": 0}
    Case.objects.filter(pk=closed_case.pk).update(
        status="open", closed_at=timezone.now() - timedelta(days=400)
    )
    assert content_purge_expired() == {"cases": 0, "reports": 0}
    assert all(bytes(r.raw) for r in _reports(closed_case))


def test_the_retention_period_is_a_setting(closed_case, settings):
    settings.ABUSEDESK_CONTENT_RETENTION_DAYS = 120
    assert content_purge_expired()["cases"] == 0
    settings.ABUSEDESK_CONTENT_RETENTION_DAYS = 30
    assert content_purge_expired()["cases"] == 1


def test_the_periodic_task_and_the_command_do_the_same(closed_case):
    assert "complaints.tasks.purge_expired_content" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    dry = StringIO()
    call_command("purge_content", "--dry-run", stdout=dry)
    assert dry.getvalue().startswith("1 closed case(s)")
    out = StringIO()
    call_command("purge_content", stdout=out)
    assert "purged the raw content of 3 report(s) in 1 case(s)" in out.getvalue()
    assert purge_expired_content.delay().get() == {"cases": 0, "reports": 0}  # re-sent: nothing left


def test_the_report_content_and_dossier_say_what_was_purged_and_when(
    closed_case, staff_client, staff, staff_token
):
    content_purge_expired()
    report = _reports(closed_case)[0]
    page = staff_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Content purged" in page
    shown = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "check for the hearing"})
    assert shown.status_code == 200 and "The content was purged on" in shown.content.decode()
    api = token_client(staff_token).post(
        f"/api/v1/reports/{report.pk}/content/", {"purpose": "check for the hearing"}, "application/json"
    )
    assert api.json()["purged_at"] and api.json()["raw"] == ""
    dossier = staff_client.get(f"/sanctions/cases/{closed_case.pk}/dossier/").content.decode()
    assert "content purged" in dossier and "The raw content of 3 complaints was purged" in dossier
    pdf = staff_client.get(f"/sanctions/cases/{closed_case.pk}/dossier.pdf")
    assert pdf.status_code == 200
