"""abusedesk.rawsql.instances: a hot read by hand gives what the ORM's read gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from abusedesk import rawsql
from complaints.choices import Channel
from complaints.models import Report
from complaints.services import report_ingest
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db


def test_an_instance_read_by_hand_equals_the_orms_and_leaves_out_what_it_omits():
    report = report_ingest(raw=spam(at=datetime(2026, 11, 20, 5, 30, tzinfo=UTC)), channel=Channel.MAILBOX, content_type="message/rfc822",
                           reporter_key="email:a@r.example").report  # fmt: skip
    by_orm = Report.objects.get(pk=report.pk)
    by_hand = rawsql.instance(Report, "t.id = %s", [report.pk])
    fields = [f.attname for f in Report._meta.concrete_fields]
    assert [getattr(by_hand, f) for f in fields] == [getattr(by_orm, f) for f in fields]
    assert by_hand._state.adding is False
    light = rawsql.instance(Report, "t.id = %s", [report.pk], omit=("raw",))
    assert "raw" in light.get_deferred_fields()
    assert bytes(light.raw) == bytes(by_orm.raw)  # read when asked, as a deferred field is


def test_no_row_raises_the_models_does_not_exist():
    with pytest.raises(Report.DoesNotExist):
        rawsql.instance(Report, "t.id = %s", [-1])
    assert rawsql.instances(Report, "t.id = %s", [-1], for_update=True, tail="ORDER BY t.id LIMIT 1") == []


def test_the_connections_execute_wrappers_see_the_statements_by_hand():
    """Whoever watches a connection's statements (a counter, a tracer) sees these too."""
    from django.db import connection

    seen = []

    def watch(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert rawsql.fetch("SELECT 1 WHERE 1 = %s", [1]) == [(1,)]
        rawsql.execute(f"UPDATE {Report._meta.db_table} SET size = size WHERE id = %s", [-1])
    assert seen == ["SELECT 1 WHERE 1 = %s", f"UPDATE {Report._meta.db_table} SET size = size WHERE id = %s"]


def test_an_insert_sets_the_primary_keys_where_the_database_returns_no_rows(monkeypatch):
    """SQLite before 3.35 has no RETURNING: each row is saved as the ORM would."""
    from django.db import connection

    from abusedesk.models import AuditEntry

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    entries = [AuditEntry(action="test.one", actor_name="system"), AuditEntry(action="test.two", actor_name="system")]
    rawsql.insert(entries)
    assert all(e.pk for e in entries) and not any(e._state.adding for e in entries)
    assert list(AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("action", flat=True)) == [
        "test.one",
        "test.two",
    ]
