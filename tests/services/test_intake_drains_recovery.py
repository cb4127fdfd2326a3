"""The recovery sweep with intake drains: reports left "received" (a drain died, its slot
expired) are handed to drains started on the free slots, not to one message each that
would race the drains for the same oldest reports; a report the drains pass over gets
its own task. Real Redis and PostgreSQL; nothing consumes the queue here."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db.models import F

from complaints.models import Report
from complaints.services import drain
from complaints.services.recovery import stale_work_recover
from tests.services import test_intake_drains
from tests.services.test_intake_drains import file

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
queue = test_intake_drains.queue  # the fixture: tasks sent to Redis under the test's own prefix


@pytest.fixture
def stale(queue, settings):
    """Five reports stored a minute ago whose drain died: its slots expired, nothing queued."""
    settings.ABUSEDESK_INTAKE_DRAINS = 2
    reports = [file(n) for n in range(5)]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        received_at=F("received_at") - timedelta(minutes=1)
    )
    name, client = queue
    client.delete(f"{name}.intake", *drain.slot_keys(), drain._skipped_key())
    yield reports
    client.delete(drain._skipped_key())


def sent(queue) -> list[tuple[str, list]]:
    """(task, args) of the messages waiting on the intake queue."""
    name, client = queue
    messages = [json.loads(m) for m in client.lrange(f"{name}.intake", 0, -1)]
    return sorted(
        (m["headers"]["task"].rpartition(".")[2], json.loads(base64.b64decode(m["body"]))[0])
        for m in messages
    )


def test_reports_left_received_start_a_drain_per_free_slot_not_a_message_each(queue, stale):
    counts = stale_work_recover(evidence=False)
    assert counts["process"] == 5  # found, and said so
    assert sent(queue) == [("drain_received", [1]), ("drain_received", [2])]
    assert all(queue[1].exists(key) for key in drain.slot_keys())
    # The next sweep finds the slots held by the drains it started: it sends nothing more.
    stale_work_recover(evidence=False)
    assert len(sent(queue)) == 2


def test_a_report_the_drains_pass_over_gets_its_own_task(queue, stale):
    passed_over = stale[1]
    drain._skip(passed_over.pk, [])
    stale_work_recover(evidence=False)
    assert sent(queue) == [
        ("drain_received", [1]),
        ("drain_received", [2]),
        ("process_report", [passed_over.pk]),
    ]


def test_with_the_slots_unreachable_every_report_gets_its_own_task(queue, stale):
    with mock.patch.object(drain, "_script", side_effect=ConnectionError("redis gone")):
        stale_work_recover(evidence=False)
    assert sent(queue) == sorted(("process_report", [r.pk]) for r in stale)
