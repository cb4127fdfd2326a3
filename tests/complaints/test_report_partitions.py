"""Reports in partitions (complaints/partitions.py): the uniqueness per reporter in the
digest table, ranges of id on PostgreSQL, and the reports' retention on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from abusedesk.models import AuditEntry
from complaints import partitions as report_partitions
from complaints.choices import Channel, ReportStatus
from complaints.models import Case, Evidence, Forward, Hop, Report, ReportDigest, ReportUrl
from complaints.partitions import TABLE
from complaints.services.intake import report_ingest
from complaints.services.mailbox import mailbox_import
from complaints.services.retention import report_upkeep
from subscribers import partitions
from tests.complaints.samples import complaint, spam

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
DAYS = 100  # the cutoff: 2026-09-06 12:00
CUTOFF = NOW - timedelta(days=DAYS)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


SIZE = 3  # ids per range in these tests


@pytest.fixture
def ranges():
    """On PostgreSQL, the reports' partitions laid out again in the test's transaction:
    one range for every id handed out so far, then ranges of SIZE ids, and DEFAULT.
    Returns the first id of the first SIZE range (the next report's id)."""
    if not on_postgresql():
        return None
    assert partitions.is_partitioned(TABLE)
    for name in partitions.partition_names(TABLE):
        report_partitions._execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
        report_partitions._execute(f"DROP TABLE {name}")
    base = report_partitions._top_id() + 1
    if base > 1:
        report_partitions._create_range(1, base)
    for k in range(6):
        report_partitions._create_range(base + k * SIZE, base + (k + 1) * SIZE)
    report_partitions._execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    partitions.name_indexes(TABLE)
    return base


def where(report: Report) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [report.pk])
        return cursor.fetchone()[0]


def filed(n: int, *, received: datetime, case: Case | None = None) -> Report:
    """A complaint filed through the intake (parsed: hops and URLs), then moved to the
    given received time and case, with an evidence record and a forward of its own."""
    raw = complaint(
        reporter=f"person{n}@receiver.example", attached=spam(at=received, message_id=f"<p{n}@x>")
    )
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key=f"email:person{n}@receiver.example"
    ).report
    Report.objects.filter(pk=report.pk).update(received_at=received, case=case)
    Evidence.objects.create(
        report=report,
        subject="198.51.100.23",
        kind="ptr",
        query_name="23.100.51.198.in-addr.arpa",
        query_type="PTR",
        server="system",
        outcome="nxdomain",
    )
    if case is not None:
        Forward.objects.create(case=case, report=report, to="abuse@upstream.example", format="arf")
    report.refresh_from_db()
    return report


def a_case(n: int, *, closed: datetime | None = None) -> Case:
    return Case.objects.create(
        key=f"host:h{n}.example",
        kind="host",
        subject=f"h{n}.example",
        status="closed" if closed else "open",
        closed_at=closed,
    )


def dependents(report_id: int) -> dict[str, int]:
    return {
        "hops": Hop.objects.filter(report_id=report_id).count(),
        "urls": ReportUrl.objects.filter(report_id=report_id).count(),
        "evidence": Evidence.objects.filter(report_id=report_id).count(),
        "forwards": Forward.objects.filter(report_id=report_id).count(),
        "digest": ReportDigest.objects.filter(report_id=report_id).count(),
    }


# --- the digest table is the duplicate check ------------------------------------------------


def test_every_stored_report_has_its_digest_row_and_a_refiling_finds_the_report():
    raw = complaint(reporter="a@receiver.example", attached=spam(at=utc(2026, 11, 20), message_id="<d1@x>"))
    first = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@receiver.example")
    digest = ReportDigest.objects.get(pk=first.report.pk)
    assert (digest.reporter_key, digest.raw_sha256) == ("email:a@receiver.example", first.report.raw_sha256)
    again = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@receiver.example")
    assert (again.created, again.report.pk) == (False, first.report.pk)
    # Another reporter with the same bytes is another report.
    other = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:b@receiver.example")
    assert other.created and other.report.pk != first.report.pk
    assert Report.objects.count() == ReportDigest.objects.count() == 2


def test_the_digest_table_refuses_a_second_row_for_the_same_bytes_or_key():
    raw = complaint(reporter="a@receiver.example", attached=spam(at=utc(2026, 11, 20), message_id="<d2@x>"))
    report = report_ingest(
        raw=raw, channel=Channel.API, reporter_key="partner:p", idempotency_key="k-1", acknowledge=False
    ).report
    clone = Report.objects.create(
        raw=b"x", raw_sha256="0" * 64, size=1, channel=Channel.API, reporter_key="partner:p"
    )
    for fields in ({"raw_sha256": report.raw_sha256}, {"raw_sha256": "1" * 64, "idempotency_key": "k-1"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportDigest.objects.create(report=clone, reporter_key="partner:p", **fields)
    # An empty idempotency key is no key: many reports have none.
    ReportDigest.objects.create(report=clone, reporter_key="partner:p", raw_sha256="1" * 64)


def test_the_mailbox_import_writes_digests_and_counts_a_message_already_stored_as_duplicate():
    at = utc(2026, 11, 20)
    messages = [
        complaint(reporter=f"m{n}@receiver.example", attached=spam(at=at, message_id=f"<m{n}@x>"))
        for n in range(3)
    ]
    first = mailbox_import(messages[:2], acknowledge=False)
    second = mailbox_import(messages, acknowledge=False)
    assert (first.created, second.created, second.duplicates) == (2, 1, 2)
    assert Report.objects.count() == ReportDigest.objects.count() == 3
    assert set(ReportDigest.objects.values_list("pk", flat=True)) == set(
        Report.objects.values_list("pk", flat=True)
    )
    assert not Report.objects.filter(status=ReportStatus.RECEIVED).exists()


# --- partitions (PostgreSQL) ------------------------------------------------------------------


def test_reports_are_partitioned_by_id_and_foreign_keys_still_point_at_them(ranges):
    if not on_postgresql():
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef(to_regclass(%s))", [TABLE])
        assert cursor.fetchone()[0] == "RANGE (id)"
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint "
            "WHERE confrelid = to_regclass(%s) AND contype = 'f' AND conparentid = 0 ORDER BY 1",
            [TABLE],
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "complaints_evidence",
            "complaints_forward",
            "complaints_hop",
            "complaints_reportdigest",
            "complaints_reporturl",
        ]
    first, second = filed(1, received=utc(2026, 9, 20)), filed(2, received=utc(2026, 9, 21))
    assert (first.pk, second.pk) == (ranges, ranges + 1)
    assert where(first) == where(second) == report_partitions.ranges()[-6][0]
    # The database refuses a hop of a report that does not exist.
    with pytest.raises(IntegrityError), transaction.atomic():
        Hop.objects.create(report_id=ranges + 1000, position=0)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_read_by_id_plans_one_partition(ranges):
    if not on_postgresql():
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    report = filed(3, received=utc(2026, 10, 3))
    with connection.cursor() as cursor:
        sql, params = Report.objects.filter(pk=report.pk).query.sql_with_params()
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = [name for name in partitions.partition_names(TABLE) if f" {name} " in f" {plan} "]
    assert scanned == [where(report)], plan


@override_settings(ABUSEDESK_REPORT_PARTITION_IDS=SIZE)
def test_the_upkeep_keeps_ranges_ready_ahead_of_the_ids_and_starts_after_reports_in_default(ranges):
    if not on_postgresql():
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    last = report_partitions.ranges()[-1]
    # Past the last range, a report lands in DEFAULT (the upkeep has not run).
    report_partitions._execute(f"ALTER TABLE {TABLE} ALTER COLUMN id RESTART WITH {last[2] + 1}")
    stray = filed(4, received=utc(2026, 11, 2))
    assert where(stray) == f"{TABLE}_default"
    created = report_upkeep(now=NOW)["created"]
    # Ranges start after it, two of them past the highest id: it stays where it is.
    assert len(created) == report_partitions.RANGES_AHEAD == 2
    assert report_partitions.ranges()[-2][1] == stray.pk + 1
    assert where(stray) == f"{TABLE}_default"
    assert Report.objects.get(pk=stray.pk).hops.exists()
    assert report_upkeep(now=NOW)["created"] == []
    after = filed(5, received=utc(2026, 11, 3))
    assert where(after) == created[0]


# --- retention -----------------------------------------------------------------------------------


@override_settings(ABUSEDESK_REPORT_RETENTION_DAYS=DAYS, ABUSEDESK_REPORT_PARTITION_IDS=SIZE)
def test_retention_removes_expired_reports_with_what_hangs_on_them_and_keeps_what_a_case_needs(ranges):
    closed_long_ago = a_case(1, closed=utc(2026, 8, 20))
    still_open = a_case(2)
    closed_since = a_case(3, closed=utc(2026, 10, 1))
    # Filed in this order, three ids to a range on PostgreSQL.
    reports = {
        # range A: every report expired -> the partition is detached
        "A no case": filed(10, received=utc(2026, 8, 10)),
        "A closed long ago": filed(11, received=utc(2026, 8, 12), case=closed_long_ago),
        "A no case 2": filed(12, received=utc(2026, 9, 3)),
        # range B: old, but one report a case still needs -> expired ones deleted by row
        "B no case": filed(13, received=utc(2026, 8, 14)),
        "B open case": filed(14, received=utc(2026, 8, 15), case=still_open),
        "B closed since": filed(15, received=utc(2026, 8, 18), case=closed_since),
        # range C: one after the cutoff -> kept; the old one deleted by row
        "C no case": filed(16, received=utc(2026, 9, 2)),
        "C after the cutoff": filed(17, received=utc(2026, 9, 10)),
        "C recent": filed(18, received=utc(2026, 11, 1)),
    }
    gone = {"A no case", "A closed long ago", "A no case 2", "B no case", "C no case"}
    for report in reports.values():
        counts = dependents(report.pk)
        assert counts["hops"] and counts["urls"] and counts["evidence"] and counts["digest"], counts
    if on_postgresql():
        range_a = where(reports["A no case"])
        assert range_a == where(reports["A no case 2"]) != where(reports["B no case"])

    done = report_upkeep(now=NOW)

    assert done["rows"] == len(gone)
    if on_postgresql():
        assert done["detached"] == [range_a]
        assert range_a not in partitions.partition_names(TABLE)
    for name, report in reports.items():
        counts = dependents(report.pk)
        if name in gone:
            assert not Report.objects.filter(pk=report.pk).exists(), name
            assert set(counts.values()) == {0}, (name, counts)
        else:
            assert Report.objects.filter(pk=report.pk).exists(), name
            assert counts["hops"] and counts["urls"], name
            assert (counts["evidence"], counts["digest"], counts["forwards"]) == (
                1,
                1,
                int(report.case_id is not None),
            ), name
    entry = AuditEntry.objects.get(action="reports.expired")
    assert entry.data["reports"] == len(gone)
    assert entry.data["cutoff"] == CUTOFF.isoformat()

    # Nothing more to do: no second entry.
    assert report_upkeep(now=NOW)["rows"] == 0
    assert AuditEntry.objects.filter(action="reports.expired").count() == 1

    # An expired report's bytes filed again by the same reporter make a new report.
    raw = bytes(reports["A no case"].raw)
    again = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:person10@receiver.example")
    assert again.created


@override_settings(ABUSEDESK_REPORT_RETENTION_DAYS=0, ABUSEDESK_REPORT_PARTITION_IDS=SIZE)
def test_retention_zero_keeps_every_report(ranges):
    old = [filed(20 + n, received=utc(2026, 8, 10)) for n in range(SIZE)]
    done = report_upkeep(now=NOW)
    assert (done["rows"], done["detached"]) == (0, [])
    assert Report.objects.filter(pk__in=[r.pk for r in old]).count() == SIZE
    assert not AuditEntry.objects.filter(action="reports.expired").exists()
