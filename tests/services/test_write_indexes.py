"""The tables written for every report, audit entry and log line carry no index that
another index already covers: each one costs every insert (and every update that
touches its column), so an index whose columns start another index's, or a LIKE
companion of a column only ever matched exactly, is paid for and never used.

The queries those dropped indexes could have served still find an index."""

from __future__ import annotations

import pytest
from django.db import connection

from abusedesk.models import AuditEntry
from complaints.models import Case, Evidence, Hop, Report, ReportUrl
from subscribers.models import Session

pytestmark = pytest.mark.django_db

HOT_TABLES = [
    "complaints_report",
    "complaints_reportdigest",
    "complaints_hop",
    "complaints_reporturl",
    "complaints_evidence",
    "complaints_case",
    "abusedesk_auditentry",
    "subscribers_session",
    "subscribers_maillogentry",
    "subscribers_natportblock",
]


def indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in found.items() if info["index"] or info["unique"] or info["primary_key"]}


def _partial() -> set[str]:
    """Indexes over some rows only (a condition): never covered by a full one."""
    from django.apps import apps

    return {i.name for m in apps.get_models() for i in m._meta.indexes if i.condition is not None}


def covered(table: str) -> list[str]:
    """Non-unique indexes whose columns are the leading columns of another index."""
    found = indexes(table)
    out = []
    for name, info in found.items():
        if info["unique"] or info["primary_key"] or not info["columns"] or name in _partial():
            continue
        columns = info["columns"]
        for other, other_info in found.items():
            longer = other_info["columns"] or []
            if other == name or longer[: len(columns)] != columns:
                continue
            # The same columns twice (a LIKE companion) counts once, the other way round.
            if len(longer) > len(columns) or other_info["unique"] or other < name:
                out.append(f"{name} {columns} is covered by {other} {longer}")
    return out


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_on_a_hot_table_is_covered_by_another(table):
    assert indexes(table), f"{table} has no indexes at all: the introspection found nothing"
    assert covered(table) == []


def test_the_check_finds_a_covered_index_when_there_is_one():
    # The test above must be able to fail: add one index the report table does not need.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX probe_case_only ON complaints_report (case_id)")
    try:
        assert any(line.startswith("probe_case_only ['case_id'] is covered by") for line in covered("complaints_report"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX probe_case_only")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plans")
@pytest.mark.parametrize(
    "queryset, index",
    [
        (lambda: Report.objects.filter(case_id=7), "report_case_reporter_idx"),
        (lambda: Report.objects.filter(partner_id=3), "report_partner_idx"),
        (lambda: Report.objects.filter(reporter="abuse@example.net"), "report_reporter_idx"),
        (lambda: Report.objects.filter(message_id="<a@b>"), "report_message_id_idx"),
        (lambda: Hop.objects.filter(report_id=5), "hop_unique_position"),
        (lambda: Evidence.objects.filter(report_id=5), "evidence_report_idx"),
        (lambda: Evidence.objects.filter(subject="192.0.2.1"), "evidence_subject_idx"),
        (lambda: ReportUrl.objects.filter(host="example.com"), "reporturl_host_idx"),
        (lambda: Case.objects.filter(recommended_level="L3"), "case_recommended_level_idx"),
        (lambda: AuditEntry.objects.filter(action="report.received"), "audit_action_idx"),
        (lambda: Session.objects.filter(account_id=9), "session_unique_account_range_start"),
    ],
)
def test_the_queries_by_those_columns_still_read_an_index(queryset, index):
    sql, params = queryset().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plans")
def test_the_seal_finds_the_unsealed_entries_without_reading_every_entry_ever_sealed():
    from abusedesk.audit import audit_record, audit_seal

    for n in range(30):
        audit_record(action="probe.entry", object_type="probe", object_id=n, data={"n": n})
    assert audit_seal() >= 30
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE abusedesk_auditentry")
    # The seal's own query: its plan reads the partial index of unsealed entries, in
    # order, not the NULL entries every sealed row left in the unique index on seq.
    sql, params = AuditEntry.objects.filter(seq__isnull=True).order_by("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_unsealed_idx" in plan, plan
    assert "Sort" not in plan, plan
