"""Intake drains (complaints/services/drain.py) under faults: a report the database keeps
refusing, a broker that will not take the drain's next message, and web and worker
processes configured with different numbers of slots. Each test forces its interleaving
(a clock the test moves, a patched send), with the real Redis and PostgreSQL."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

from complaints.choices import ReportStatus
from complaints.models import Report
from complaints.services import drain
from tests.services import test_intake_drains
from tests.services.test_intake_drains import file, queued, taken

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
queue = test_intake_drains.queue  # the fixture: tasks sent to Redis under the test's own prefix


class Clock:
    """drain.time with a clock the test moves: sleeping costs nothing."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def time(self) -> float:
        import time

        return time.time()


@pytest.fixture(autouse=True)
def forget_passed_over(queue):
    """The reports the drains pass over are remembered in Redis, under the test's prefix."""
    yield
    queue[1].delete(drain._skipped_key())


def statuses(reports) -> list[str]:
    by_pk = dict(Report.objects.filter(pk__in=[r.pk for r in reports]).values_list("pk", "status"))
    return [by_pk[r.pk] for r in reports]


def test_a_report_refused_past_the_budget_does_not_hold_up_the_drains_queued_again(queue, settings):
    """The database refuses one report only after a long wait (a statement timeout longer
    than the budget). The drain passes over it, and so must the drain it queues again
    when its budget is spent, and every other drain: else each one spends its turn on
    that report and the reports behind it are never processed."""
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    stuck, *others = [file(n) for n in range(3)]
    from complaints.services import intake

    clock, tries, real = Clock(), [], intake._parse

    def refused_slowly(report, form):
        if report.pk == stuck.pk:
            tries.append(report.pk)
            clock.now += 2 * drain.DRAIN_BUDGET_SECONDS
            raise OperationalError("canceling statement due to statement timeout")
        return real(report, form)

    with mock.patch.object(intake, "_parse", refused_slowly), mock.patch.object(drain, "time", clock):
        for _turn in range(3):  # the drain, then the messages it queues again
            drain.received_drain(slot=1)
    assert statuses(others) == [ReportStatus.PARSED, ReportStatus.PARSED]
    assert len(tries) == 1  # refused once, then left to the recovery sweep's own task
    assert statuses([stuck]) == [ReportStatus.RECEIVED]


def test_a_drain_whose_next_message_cannot_be_queued_goes_on_draining(queue, settings):
    """Its budget spent, the drain cannot queue itself again (the broker refuses the
    message). The filings that found its slot taken sent nothing and count on it: it
    must go on, not free its slot and leave their reports to the sweep."""
    settings.ABUSEDESK_INTAKE_DRAINS = 1
    reports = [file(n) for n in range(3)]  # the first took the slot, the others rely on it
    from complaints.tasks import drain_received

    clock = Clock()
    real = drain._drain_one

    def slow(skipped):
        clock.now += drain.DRAIN_BUDGET_SECONDS  # each report spends a whole budget
        return real(skipped)

    refused = mock.patch.object(drain_received, "delay", side_effect=OSError("broker refused"))
    with refused, mock.patch.object(drain, "time", clock), mock.patch.object(drain, "_drain_one", slow):
        drain.received_drain(slot=1)
    assert statuses(reports) == [ReportStatus.PARSED] * 3
    assert taken(queue) == [False]  # freed once the table was empty


def test_a_drain_frees_its_slot_when_the_worker_counts_fewer_slots_than_the_web(queue, settings):
    """The web processes were given more slots than the worker (a changed setting, a
    rolling deploy): a drain for a slot past the worker's count must still free it,
    or the filings that find it taken count on a drain that has finished."""
    settings.ABUSEDESK_INTAKE_DRAINS = 2
    _name, client = queue
    keys = drain.slot_keys()
    client.set(keys[0], "1", ex=60)  # slot 1 is busy with a long drain
    first = file(1)  # takes slot 2
    assert taken(queue) == [True, True] and queued(queue) == 1
    settings.ABUSEDESK_INTAKE_DRAINS = 1  # the worker's setting
    assert drain.received_drain(slot=2) == 1
    assert not client.exists(keys[1])
    settings.ABUSEDESK_INTAKE_DRAINS = 2  # the web's again
    late = file(2)
    assert queued(queue) == 2  # it took slot 2 and queued a drain: not stranded
    assert statuses([first, late]) == [ReportStatus.PARSED, ReportStatus.RECEIVED]
