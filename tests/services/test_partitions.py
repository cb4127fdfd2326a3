"""Monthly partitions of the traffic logs on PostgreSQL (subscribers/partitions.py).

Each test lays the partitions out again inside its own transaction (DDL rolls back
with it), so what it asserts does not depend on the day the test database was made:
`_old` below 2026-09-01, one partition per month 2026-09 .. 2026-12, DEFAULT above.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import override_settings

from subscribers import partitions
from subscribers.choices import NatLogSource
from subscribers.models import MailLogEntry, NatPortBlock, Session
from subscribers.selectors import (
    nat_block_at,
    nat_block_params,
    nat_block_statement,
    session_at,
    session_at_statement,
)
from tests.subscribers.commands import DATA, run_command
from tests.subscribers.conftest import inventory  # noqa: F401, F811  (fixture)
from tests.subscribers.factories import AccountFactory, MailLogEntryFactory, SessionFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]

TABLES = [log.table for log in partitions.LOGS]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def layout():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    for table in TABLES:
        assert partitions.is_partitioned(table)
        for name in partitions.partition_names(table):
            partitions._execute(f"DROP TABLE {name}")
        partitions.lay_out(table, first=utc(2026, 9, 1), last=utc(2026, 12, 1))


def where(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def nat_block(account, start, stop=None, *, port_start=1024):
    from subscribers import ipkeys

    return NatPortBlock.objects.create(
        address="203.0.113.7",
        address_key=ipkeys.ip_key("203.0.113.7"),
        port_start=port_start,
        port_end=port_start + 1023,
        started_at=start,
        stopped_at=stop,
        account=account,
        source=NatLogSource.SYSLOG,
    )


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_database_primary_key_holds_the_time_column_and_django_keeps_id():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'subscribers_session'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, started_at)"
    assert Session._meta.pk.name == "id"


def test_rows_land_in_the_partition_of_their_month():
    old = SessionFactory(started_at=utc(2026, 8, 31, 23, 59), stopped_at=utc(2026, 9, 1, 1))
    october = SessionFactory(address="61.114.5.24", started_at=utc(2026, 10, 5))
    late = SessionFactory(address="61.114.5.25", started_at=utc(2027, 2, 1))
    assert where(Session, old.pk) == "subscribers_session_old"
    assert where(Session, october.pk) == "subscribers_session_p202610"
    assert where(Session, late.pk) == "subscribers_session_default"
    entry = MailLogEntryFactory(at=utc(2026, 12, 31, 23, 59, 59))
    assert where(MailLogEntry, entry.pk) == "subscribers_maillogentry_p202612"
    block = nat_block(october.account, utc(2026, 9, 1))
    assert where(NatPortBlock, block.pk) == "subscribers_natportblock_p202609"


def test_updates_and_deletes_by_id_reach_the_row_in_its_partition():
    session = SessionFactory(started_at=utc(2026, 10, 5))
    session.stopped_at = utc(2026, 10, 6)
    session.save()
    assert Session.objects.get(pk=session.pk).stopped_at == utc(2026, 10, 6)
    session.delete()
    assert not Session.objects.filter(pk=session.pk).exists()


def test_session_at_prunes_later_partitions_and_reads_the_newest_first():
    account = AccountFactory()
    for month in (9, 10, 11):
        SessionFactory(account=account, started_at=utc(2026, month, 2), stopped_at=utc(2026, month, 3))
    SessionFactory(account=account, started_at=utc(2026, 11, 20))
    at = utc(2026, 11, 21)
    assert session_at(ip="61.114.5.23", at=at).started_at == utc(2026, 11, 20)
    text = plan(*session_at_statement(ip="61.114.5.23", at=at))
    # December and DEFAULT are pruned; the Append is ordered (no Merge Append), and the
    # LIMIT stops in November: the older partitions are never read.
    assert "p202612" not in text and "_default" not in text, text
    assert "Merge Append" not in text, text
    assert "Index Scan Backward using session_range_start_p202611" in text, text
    assert "Seq Scan on subscribers_session_" not in text, text
    october = text[text.index("subscribers_session_p202610") :]
    assert "(never executed)" in october.splitlines()[0], text


def test_the_nat_lookup_uses_the_index_of_each_partition():
    account = AccountFactory()
    nat_block(account, utc(2026, 10, 1), utc(2026, 10, 2))
    block = nat_block(account, utc(2026, 11, 1))
    from subscribers import ipkeys
    from subscribers.models import NatPortBlockSize

    NatPortBlockSize.objects.get_or_create(size=1024)
    assert nat_block_at(ip="203.0.113.7", port=1500, at=utc(2026, 11, 2)).pk == block.pk
    params = nat_block_params(
        address_key=ipkeys.ip_key("203.0.113.7"), port=1500, ceiling=1500, at=utc(2026, 11, 2), lowest=None
    )
    text = plan(nat_block_statement(), params)
    assert "Seq Scan on subscribers_natportblock" not in text, text
    assert "Index" in text, text


def test_retention_drops_the_months_wholly_older_and_deletes_rows_in_the_boundary_month():
    account = AccountFactory()
    gone = [
        SessionFactory(account=account, started_at=utc(2026, 8, 2), stopped_at=utc(2026, 8, 3)),
        SessionFactory(account=account, started_at=utc(2026, 9, 2), stopped_at=utc(2026, 9, 3)),
        SessionFactory(account=account, started_at=utc(2026, 10, 2), stopped_at=utc(2026, 10, 3)),
    ]
    kept = [
        # Started in a dropped month but still open: it still answers for today.
        SessionFactory(account=account, address="61.114.5.24", started_at=utc(2026, 9, 5)),
        # Started before the cutoff, stopped after it.
        SessionFactory(account=account, started_at=utc(2026, 10, 4), stopped_at=utc(2026, 10, 20)),
        SessionFactory(account=account, started_at=utc(2026, 10, 25), stopped_at=utc(2026, 10, 26)),
    ]
    entries_gone = [MailLogEntryFactory(at=utc(2026, 9, 15)), MailLogEntryFactory(at=utc(2026, 10, 9))]
    entry_kept = MailLogEntryFactory(at=utc(2026, 10, 11))

    cutoff = utc(2026, 10, 10)
    done = partitions.drop_expired("subscribers_session", cutoff=cutoff)
    assert done == {"detached": ["subscribers_session_p202609"], "rows": 3}
    assert set(Session.objects.values_list("pk", flat=True)) == {s.pk for s in kept}
    assert not Session.objects.filter(pk__in=[s.pk for s in gone]).exists()
    assert where(Session, kept[0].pk) == "subscribers_session_old"
    assert "subscribers_session_p202609" not in partitions.partition_names("subscribers_session")
    assert session_at(ip="61.114.5.24", at=utc(2026, 12, 1)).pk == kept[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = 'subscribers_session_old'"
        )
        assert cursor.fetchone()[0] == "FOR VALUES FROM (MINVALUE) TO ('2026-10-01 00:00:00+00')"

    done = partitions.drop_expired("subscribers_maillogentry", cutoff=cutoff)
    assert done == {"detached": ["subscribers_maillogentry_p202609"], "rows": 2}
    assert list(MailLogEntry.objects.values_list("pk", flat=True)) == [entry_kept.pk]
    assert not MailLogEntry.objects.filter(pk__in=[e.pk for e in entries_gone]).exists()
    # Nothing more is due at the same cutoff.
    assert partitions.drop_expired("subscribers_session", cutoff=cutoff) == {"detached": [], "rows": 0}


def test_creating_partitions_ahead_moves_their_rows_out_of_default():
    early = SessionFactory(started_at=utc(2027, 1, 10))
    later = SessionFactory(address="61.114.5.24", started_at=utc(2027, 6, 1))
    created = partitions.ensure_months("subscribers_session", now=utc(2026, 12, 15), ahead=3)
    assert created == [f"subscribers_session_p2027{m:02}" for m in (1, 2, 3)]
    assert where(Session, early.pk) == "subscribers_session_p202701"
    assert where(Session, later.pk) == "subscribers_session_default"
    assert Session.objects.count() == 2
    # Again: nothing to do.
    assert partitions.ensure_months("subscribers_session", now=utc(2026, 12, 15), ahead=3) == []
    # A new row of a new month lands in its partition.
    assert where(Session, SessionFactory(address="61.114.5.25", started_at=utc(2027, 3, 3)).pk).endswith("p202703")


@override_settings(ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS=0)
def test_the_upkeep_task_creates_months_ahead_for_every_log_and_keeps_rows_without_retention():
    from subscribers.partitions import upkeep

    SessionFactory(started_at=utc(2026, 9, 2), stopped_at=utc(2026, 9, 3))
    done = upkeep(now=utc(2027, 1, 20))
    for table in TABLES:
        assert done[table]["created"] == [f"{table}_p2027{m:02}" for m in (1, 2, 3, 4)]
        assert done[table]["rows"] == 0
    assert Session.objects.count() == 1


def test_the_set_based_imports_write_into_the_partitions(inventory):  # noqa: F811
    output = run_command("import_sessions", DATA / "sessions.csv")
    assert "created 4" in output.out
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM subscribers_session")
        assert [r[0] for r in cursor.fetchall()] == ["subscribers_session_p202611"]
    assert session_at(ip="61.114.5.23", at=utc(2026, 11, 20, 15)).account.account_id == "C-1002"
    output = run_command("import_maillog", DATA / "maillog-rfc3339.log")
    assert MailLogEntry.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM subscribers_maillogentry")
        assert [r[0] for r in cursor.fetchall()] == ["subscribers_maillogentry_p202611"]
    # Again: the unique constraint (on the partitioned table) sees the first import's rows.
    before = MailLogEntry.objects.count()
    run_command("import_maillog", DATA / "maillog-rfc3339.log")
    run_command("import_sessions", DATA / "sessions.csv")
    assert MailLogEntry.objects.count() == before and Session.objects.count() == 4


def test_the_migrations_conversion_keeps_rows_ids_constraints_and_indexes():
    """partition_table on a plain table, as migration 0006 met it: the port-block table
    made again from the model inside this test's transaction."""
    from django.db import IntegrityError, transaction

    table = "subscribers_natportblock"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table} CASCADE")
    with connection.schema_editor() as editor:
        editor.create_model(NatPortBlock)
    assert not partitions.is_partitioned(table)
    account = AccountFactory()
    blocks = [nat_block(account, utc(2026, month, 3), utc(2026, month, 4)) for month in (3, 5, 6)]
    future = nat_block(account, utc(2027, 9, 1))

    partitions.partition_table(table, now=utc(2026, 6, 10), ahead=2)

    assert partitions.is_partitioned(table)
    assert partitions.partition_names(table) == [
        f"{table}_{suffix}" for suffix in ("default", "old", "p202603", "p202604", "p202605", "p202606", "p202607", "p202608")
    ]
    assert [where(NatPortBlock, b.pk) for b in blocks] == [f"{table}_p2026{m:02}" for m in (3, 5, 6)]
    assert where(NatPortBlock, future.pk) == f"{table}_default"
    # The identity continues after the highest id.
    assert nat_block(account, utc(2026, 7, 1)).pk == future.pk + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "ORDER BY conname",
            [table],
        )
        constraints = dict(cursor.fetchall())
    assert constraints[f"{table}_pkey"] == "PRIMARY KEY (id, started_at)"
    assert constraints["natportblock_unique_allocation"] == "UNIQUE (address_key, port_start, started_at)"
    assert {"natportblock_port_range", "natportblock_stops_after_start"} <= set(constraints)
    assert any(definition.startswith("FOREIGN KEY (account_id)") for definition in constraints.values())
    with pytest.raises(IntegrityError), transaction.atomic():
        nat_block(account, utc(2026, 5, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        nat_block(account, utc(2026, 8, 3), utc(2026, 8, 2))


def test_an_hour_of_the_mail_log_is_read_through_the_time_index_of_its_month():
    """The volume detection after an import reads "every row of this hour", hour by hour:
    through maillog_at of that month's partition, not a walk of the primary-key index."""
    from django.db.models import Count

    for minute in (0, 30):
        MailLogEntryFactory(at=utc(2026, 11, 20, 5, minute))
    MailLogEntryFactory(at=utc(2026, 10, 20, 5, 0))
    hour = MailLogEntry.objects.filter(at__gte=utc(2026, 11, 20, 5), at__lt=utc(2026, 11, 20, 6))
    query = hour.exclude(login="").values("login").annotate(n=Count("pk")).order_by()
    assert sum(row["n"] for row in query) == 2
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows would be read whole
    text = plan(*query.query.sql_with_params())
    assert "maillog_at_p202611" in text, text
    assert "pkey" not in text and "p202610" not in text, text
