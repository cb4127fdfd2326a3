"""The same code on PostgreSQL with Redis and a real Celery worker (make test-services)."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from complaints.tasks import sweep_reports
from tests.complaints.samples import spam
from tests.services.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def test_the_sweep_on_a_real_worker_finishes_reports_whose_task_was_lost(celery_worker):
    # A report stored while the broker was down: received, never processed.
    raw = spam(at=AT)
    report = Report.objects.create(
        raw=raw,
        raw_sha256="x" * 64,
        size=len(raw),
        content_type="message/rfc822",
        channel=Channel.MAILBOX,
        reporter_key="email:a@x.example",
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    sweep_reports.delay()
    done = wait_for(lambda: Report.objects.filter(pk=report.pk, status="parsed").exists())
    assert done, Report.objects.get(pk=report.pk).status
    assert Report.objects.get(pk=report.pk).case is not None


def test_concurrent_reports_for_one_address_make_one_case():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    barrier = threading.Barrier(6)
    errors = []

    def file(i):
        try:
            barrier.wait()
            report_ingest(
                raw=spam(at=AT, message_id=f"<{i}@x>"),
                channel=Channel.MAILBOX,
                reporter_key=f"email:r{i}@x.example",
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    case = Case.objects.get()
    assert (case.report_count, case.reporter_count) == (6, 6)
    assert Report.objects.filter(case=case).count() == 6


def test_a_worker_keeps_its_database_connection_from_one_task_to_the_next(celery_worker):
    """Celery's Django fixup closes every connection around each task unless told not to:
    a new PostgreSQL backend per report processed. The worker's backend outlives its tasks."""
    from complaints.services.partners import partner_create
    from tests.personas import token_client

    def worker_backends() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            return {pid for (pid,) in cursor.fetchall()}

    _, key = partner_create(name="Receiver")
    client = token_client(key)
    seen = []
    for n in range(2):
        raw = spam(at=AT, message_id=f"<kept-{n}@pc.invalid>")
        pk = client.post("/api/v1/reports/", data=raw, content_type="message/rfc822").json()["id"]
        assert wait_for(lambda pk=pk: Report.objects.filter(pk=pk, attributed_at__isnull=False).exists())
        seen.append(worker_backends())
    assert seen[0], "the worker closed its connection after its task"
    assert seen[0] & seen[1], seen
