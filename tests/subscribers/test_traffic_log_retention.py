"""Retention of the traffic logs (ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS), on any database.

On SQLite every expired row is deleted row by row; on PostgreSQL whole months go by
partition (tests/services/test_partitions.py) and the rest the same way as here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from subscribers import partitions
from subscribers.models import MailLogEntry, Session
from subscribers.tasks import traffic_log_upkeep
from tests.subscribers.factories import AccountFactory, MailLogEntryFactory, SessionFactory

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_rows_expire_by_their_time_and_sessions_also_by_their_stop():
    account = AccountFactory()
    SessionFactory(account=account, started_at=utc(2026, 9, 2), stopped_at=utc(2026, 9, 3))
    still_open = SessionFactory(account=account, address="61.114.5.24", started_at=utc(2026, 9, 5))
    stopped_later = SessionFactory(account=account, started_at=utc(2026, 10, 4), stopped_at=utc(2026, 10, 20))
    MailLogEntryFactory(at=utc(2026, 10, 9))
    entry = MailLogEntryFactory(at=utc(2026, 10, 11))

    assert partitions.drop_expired("subscribers_session", cutoff=utc(2026, 10, 10))["rows"] == 1
    assert partitions.drop_expired("subscribers_maillogentry", cutoff=utc(2026, 10, 10))["rows"] == 1
    assert set(Session.objects.values_list("pk", flat=True)) == {still_open.pk, stopped_later.pk}
    assert list(MailLogEntry.objects.values_list("pk", flat=True)) == [entry.pk]


def test_the_upkeep_task_keeps_everything_without_a_retention_period():
    SessionFactory(started_at=utc(2020, 1, 1), stopped_at=utc(2020, 1, 2))
    with override_settings(ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS=0):
        done = traffic_log_upkeep.delay().get()
    assert all(d["rows"] == 0 for d in done.values())
    assert Session.objects.count() == 1


def test_the_upkeep_task_removes_what_is_older_than_the_retention_period():
    SessionFactory(started_at=utc(2020, 1, 1), stopped_at=utc(2020, 1, 2))
    recent = MailLogEntryFactory(at=datetime.now(UTC))
    MailLogEntryFactory(at=utc(2020, 1, 1))
    with override_settings(ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS=365):
        done = traffic_log_upkeep.delay().get()
    assert done["subscribers_session"]["rows"] == 1 and done["subscribers_maillogentry"]["rows"] == 1
    assert not Session.objects.exists()
    assert list(MailLogEntry.objects.values_list("pk", flat=True)) == [recent.pk]
