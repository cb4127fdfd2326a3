"""Intake drains (complaints/services/drain.py): with Redis and PostgreSQL, filings take
a drain slot or find one taken, and drains process what is stored, each report once.

The slots and the queued messages are real (Redis), the claims are real (PostgreSQL's
FOR UPDATE SKIP LOCKED, seen from a second connection); the drains run in process here,
and tests/services/test_deferred_intake.py runs them in a real worker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from complaints.choices import Channel, ReportStatus
from complaints.models import Report
from complaints.services import drain
from complaints.services.intake import report_ingest
from tests.complaints.samples import spam

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def queue():
    """Tasks are sent to Redis (nothing consumes them here), under this test's own prefix."""
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("drains need PostgreSQL and a Redis broker (make test-services)")
    import redis

    from abusedesk.celery import app

    name = f"test-drain-{uuid.uuid4().hex[:10]}"
    previous = app.conf.task_default_queue, app.conf.task_always_eager
    app.conf.task_default_queue, app.conf.task_always_eager = name, False
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        yield name, client
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        client.delete(f"{name}.intake", *drain.slot_keys())


def queued(queue) -> int:
    """drain_received messages waiting on the intake queue (the cases' evaluations go
    there too)."""
    name, client = queue
    messages = [json.loads(m) for m in client.lrange(f"{name}.intake", 0, -1)]
    return sum(m["headers"]["task"] == "complaints.tasks.drain_received" for m in messages)


def taken(queue) -> list[bool]:
    _name, client = queue
    return [bool(client.exists(key)) for key in drain.slot_keys()]


def file(n: int) -> Report:
    return report_ingest(
        raw=spam(at=AT, message_id=f"<drain-{n}-{uuid.uuid4().hex[:6]}@pc.invalid>"),
        channel=Channel.API,
        content_type="message/rfc822",
        reporter_key="partner:drain",
        defer=True,
    ).report


def test_filings_take_the_free_slots_then_send_nothing(queue, settings):
    settings.ABUSEDESK_INTAKE_DRAINS = 2
    assert drain.drains_enabled()
    reports = [file(n) for n in range(5)]
    assert taken(queue) == [True, True]
    assert queued(queue) == 2  # one message per slot taken, none for the other three
    assert {r.status for r in reports} == {ReportStatus.RECEIVED}


def test_a_drain_processes_what_was_filed_while_its_slot_was_taken_then_frees_it(queue, settings):
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    reports = [file(n) for n in range(3)]
    assert queued(queue) == 1 and taken(queue) == [True]
    assert drain.received_drain(slot=1) == 3
    assert taken(queue) == [False]
    for report in reports:
        report.refresh_from_db()
        assert report.status == ReportStatus.PARSED and report.case_id is not None
        assert report.attributed_at is not None
    # The next filing finds the slot free and queues a drain again.
    file(9)
    assert queued(queue) == 2 and taken(queue) == [True]


def test_two_drains_never_take_the_same_report(queue):
    first, second = file(1), file(2)
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        # Another drain holds the oldest report in its transaction.
        other.execute("SELECT id FROM complaints_report WHERE id = %s FOR UPDATE", [first.pk])
        assert drain._drain_one([]) is True
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.status, second.status) == (ReportStatus.RECEIVED, ReportStatus.PARSED)
        assert drain._drain_one([]) is False  # the only one left is held
        other.rollback()
    assert drain._drain_one([]) is True
    first.refresh_from_db()
    assert first.status == ReportStatus.PARSED


def test_a_spent_budget_queues_the_drain_again_holding_its_slot(queue, settings):
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    file(1)
    name, client = queue
    client.delete(f"{name}.intake", *drain.slot_keys())
    client.set(drain.slot_keys()[0], "1", ex=5)
    assert drain.received_drain(slot=1, budget=0) == 0
    assert queued(queue) == 1 and taken(queue) == [True]
    assert client.ttl(drain.slot_keys()[0]) > 5  # held for its full time again


def test_a_report_the_database_refuses_is_left_to_the_recovery_not_in_every_drains_way(queue):
    stuck, other = file(1), file(2)
    from complaints.services import intake

    real = intake._parse

    def refused(report, form):
        if report.pk == stuck.pk:
            raise OperationalError("canceling statement due to statement timeout")
        return real(report, form)

    with mock.patch.object(intake, "_parse", refused):
        assert drain.received_drain(slot=1) == 2
    stuck.refresh_from_db(), other.refresh_from_db()
    assert stuck.status == ReportStatus.RECEIVED  # the sweep's own task tries it again
    assert other.status == ReportStatus.PARSED


def test_a_report_that_cannot_be_processed_goes_to_triage_and_the_drain_goes_on(queue):
    broken, other = file(1), file(2)
    from complaints.services import intake

    real = intake._parse

    def failing(report, form):
        if report.pk == broken.pk:
            raise ValueError("a parser bug")
        return real(report, form)

    with mock.patch.object(intake, "_parse", failing):
        assert drain.received_drain(slot=1) == 2
    broken.refresh_from_db(), other.refresh_from_db()
    assert broken.status == ReportStatus.MANUAL_TRIAGE and "a parser bug" in broken.status_reason
    assert broken.attributed_at is not None  # "unknown", with the reason
    assert other.status == ReportStatus.PARSED


def test_with_redis_unreachable_the_filing_is_processed_at_once(queue, settings):
    from abusedesk.celery import app

    previous = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:8179/7"  # nothing listens there
    try:
        report = file(1)
    finally:
        app.conf.broker_write_url = previous
    assert report.status == ReportStatus.PARSED and report.case_id is not None


def test_without_redis_or_skip_locked_there_are_no_drains(settings):
    from abusedesk.celery import app

    previous = app.conf.task_always_eager, app.conf.broker_write_url
    try:
        app.conf.task_always_eager, app.conf.broker_write_url = False, "memory://localhost/"
        assert not drain.drains_enabled()
        app.conf.broker_write_url = "redis://127.0.0.1:6379/0"
        assert drain.drains_enabled() is connection.features.has_select_for_update_skip_locked
        settings.ABUSEDESK_INTAKE_DRAINS = 0
        assert not drain.drains_enabled()
    finally:
        app.conf.task_always_eager, app.conf.broker_write_url = previous


def test_a_report_found_at_the_last_look_is_processed_and_the_drain_holds_its_slot_again(queue, settings):
    """Between the drain's last empty look and the freeing of its slot, a filing came in
    (it found the slot taken, so it queued nothing): the last look finds it, and the
    drain, having taken its slot again, goes on until the table is empty."""
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    _name, client = queue
    client.set(drain.slot_keys()[0], "1", ex=60)
    real_release, late = drain._release, []

    def release_after_a_filing(slot):
        if not late:
            late.append(file(7))  # the slot is still taken: no message is queued for it
        real_release(slot)

    with mock.patch.object(drain, "_release", release_after_a_filing):
        assert drain.received_drain(slot=1) == 1
    late[0].refresh_from_db()
    assert late[0].status == ReportStatus.PARSED
    assert queued(queue) == 0 and taken(queue) == [False]


def test_a_drain_stops_when_a_filing_took_its_freed_slot_first(queue, settings):
    """The freed slot was taken by a new filing, which queued a drain of its own: this
    drain processes what its last look found and leaves the rest to that one."""
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    _name, client = queue
    client.set(drain.slot_keys()[0], "1", ex=60)
    real_release, late = drain._release, []

    def release_then_two_filings(slot):
        if not late:
            late.append(file(7))  # while the slot is still taken: nothing queued
            real_release(slot)
            late.append(file(8))  # takes the freed slot and queues a drain
        else:
            real_release(slot)

    with mock.patch.object(drain, "_release", release_then_two_filings):
        assert drain.received_drain(slot=1) == 1
    statuses = sorted(Report.objects.filter(pk__in=[r.pk for r in late]).values_list("status", flat=True))
    assert statuses == [ReportStatus.PARSED, ReportStatus.RECEIVED]
    assert queued(queue) == 1 and taken(queue) == [True]  # the new drain will take the other


def test_a_drain_seals_and_announces_once_per_group_of_reports(queue, settings):
    """Three reports about one sender in one drain: their audit entries are chained in
    one seal and their case's evaluation is queued once, not once per report."""
    from abusedesk import audit
    from abusedesk.audit import audit_verify
    from abusedesk.models import AuditEntry
    from sanctions.services import recommend

    settings.ABUSEDESK_INTAKE_DRAINS = 1
    reports = [file(n) for n in range(3)]
    seals, queued_cases = [], []
    real_seal, real_queue = audit.audit_seal, recommend.evaluations_queue

    def counted_seal():
        seals.append(1)
        return real_seal()

    def counted_queue(case_ids):
        queued_cases.append(list(case_ids))
        return real_queue(case_ids)

    with mock.patch.object(audit, "audit_seal", counted_seal), \
            mock.patch.object(recommend, "evaluations_queue", counted_queue):  # fmt: skip
        assert drain.received_drain(slot=1) == 3
    case_ids = {r.case_id for r in Report.objects.filter(pk__in=[r.pk for r in reports])}
    assert len(case_ids) == 1
    assert len(seals) == 1, seals
    assert queued_cases == [sorted(case_ids)]
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert audit_verify().first_broken is None


def test_a_group_ends_after_its_time(queue, settings, monkeypatch):
    from abusedesk import audit

    monkeypatch.setattr(drain, "GROUP_SECONDS", 0.0)
    for n in range(3):
        file(n)
    seals, real_seal = [], audit.audit_seal

    def counted_seal():
        seals.append(1)
        return real_seal()

    with mock.patch.object(audit, "audit_seal", counted_seal):
        assert drain.received_drain(slot=1) == 3
    assert len(seals) == 3
