"""Work left behind is picked up without beat: by the next report, by a request-time
check (at most once a minute), by `manage.py recover_stale_work`; and by the sweep that
beat runs every minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abusedesk.settings import CELERY_BEAT_SCHEDULE
from complaints.choices import Channel, ReportStatus
from complaints.models import Report
from complaints.services import report_ingest
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def stuck_report(i: int = 0, age: timedelta = timedelta(minutes=10)) -> Report:
    """A report whose processing never ran (the server died, the broker was down)."""
    raw = spam(at=AT, message_id=f"<stuck-{i}@pc.invalid>", origin_ip=f"198.51.100.{i + 1}")
    return Report.objects.create(
        raw=raw,
        raw_sha256=f"{i:064d}",
        size=len(raw),
        content_type="message/rfc822",
        channel=Channel.MAILBOX,
        reporter_key="email:a@receiver.example",
        received_at=datetime.now(tz=UTC) - age,
    )


@pytest.fixture
def recovery_on(settings):
    settings.ABUSEDESK_RECOVERY_CHECK_SECONDS = 60


def test_the_next_report_picks_up_one_left_received(recovery_on, partner, django_capture_on_commit_callbacks):
    stuck = stuck_report()
    _, key = partner
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(key).post(
            "/api/v1/reports/",
            {"source_ip": "203.0.113.9", "occurred_at": "2026-11-20T05:00:00Z", "category": "spam"},
            content_type="application/json",
        )
    assert response.status_code == 201
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.PARSED and stuck.case_id and stuck.attributed_at


def test_a_page_request_picks_it_up_at_most_once_a_minute(recovery_on, staff_client):
    first = stuck_report(0)
    staff_client.get("/cases/")
    first.refresh_from_db()
    assert first.status == ReportStatus.PARSED
    second = stuck_report(1)
    staff_client.get("/cases/")  # within the minute: the check is not run again
    second.refresh_from_db()
    assert second.status == ReportStatus.RECEIVED


def test_the_page_is_answered_before_the_check_runs(recovery_on):
    """Through the WSGI handler as a server calls it: the response comes back with the
    sweep not yet run; it runs when the server closes the response (after the last byte)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test.client import RequestFactory

    stuck = stuck_report(0)
    environ = RequestFactory().get("/login/").environ
    # As Django's test client does: the request's start and end must not close the
    # test's own connection (PostgreSQL keeps it open between requests otherwise).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda status, headers: None)
        assert response.status_code == 200
        stuck.refresh_from_db()
        assert stuck.status == ReportStatus.RECEIVED
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.PARSED


def test_young_work_is_left_to_its_task(recovery_on, staff_client):
    young = stuck_report(age=timedelta(seconds=1))
    staff_client.get("/cases/")
    young.refresh_from_db()
    assert young.status == ReportStatus.RECEIVED


def test_the_command_recovers_on_demand_and_says_what_it_did():
    reports = [stuck_report(i) for i in range(3)]
    out = StringIO()
    call_command("recover_stale_work", "--dry-run", stdout=out)
    assert "process: 3" in out.getvalue()
    assert Report.objects.filter(status=ReportStatus.RECEIVED).count() == 3
    out = StringIO()
    call_command("recover_stale_work", stdout=out)
    assert "process: 3" in out.getvalue()
    assert not Report.objects.filter(pk__in=[r.pk for r in reports], status=ReportStatus.RECEIVED).exists()
    out = StringIO()
    call_command("recover_stale_work", stdout=out)  # twice does nothing more
    assert "process: 0" in out.getvalue()


def test_the_command_refuses_bad_arguments_with_one_line():
    with pytest.raises(CommandError, match="--batch"):
        call_command("recover_stale_work", "--batch", "0")


def test_the_identical_report_of_one_left_received_is_processed_not_echoed(partner):
    _, key = partner
    body = spam(at=AT, message_id="<same@pc.invalid>")
    partner_obj = partner[0]
    first = report_ingest(raw=body, channel=Channel.API, reporter_key=f"partner:{partner_obj.name}",
                          partner=partner_obj, content_type="message/rfc822").report
    Report.objects.filter(pk=first.pk).update(status=ReportStatus.RECEIVED)  # its processing died
    response = token_client(key).post("/api/v1/reports/", body, content_type="message/rfc822")
    assert response.status_code == 200
    assert response.json()["id"] == first.pk and response.json()["status"] == "parsed"


def test_beat_sweeps_within_a_minute():
    assert CELERY_BEAT_SCHEDULE["sweep-reports"]["schedule"] <= 60
