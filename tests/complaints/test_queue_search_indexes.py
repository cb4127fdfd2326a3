"""The queue's free text keeps substring, case-insensitive matching on every database;
on PostgreSQL the trigram indexes of migration 0013 answer it (no scan of every case)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from complaints.filters import CaseFilter
from complaints.selectors import case_queue_for_user
from tests.complaints.test_queue import ids, make_case

pytestmark = pytest.mark.django_db


def test_the_search_still_matches_parts_of_addresses_and_accounts_in_any_case(staff_client):
    a = make_case(3, accounts_text=",C-00042,", accounts=["C-00042"])
    b = make_case(4, accounts_text=",C-00043,", accounts=["C-00043"])
    assert ids(staff_client.get("/cases/?q=198.51.100.3")) == [a.pk]
    assert ids(staff_client.get("/cases/?q=c-0004")) == [b.pk, a.pk]
    assert sorted(ids(staff_client.get("/cases/?q=198.51.100."))) == sorted([a.pk, b.pk])
    assert ids(staff_client.get("/cases/?q=c-00043")) == [b.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_on_postgresql_the_search_uses_the_trigram_indexes(staff):
    make_case(5, accounts_text=",C-00042,")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'complaints_case'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"case_key_trgm", "case_subject_trgm", "case_accounts_text_trgm"} <= names
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'case_%%_trgm'")
        options = dict(cursor.fetchall())
    # Every search reads the pending list in full: kept short (see the migration).
    assert all(value == ["gin_pending_list_limit=512"] for value in options.values()), options

    class Request:
        user = get_user_model().objects.get(pk=staff.pk)

    for text in ("198.51.100.5", "C-00042"):
        queryset = CaseFilter({"q": text}, queryset=case_queue_for_user(staff), request=Request).qs
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            # A handful of rows: without this the planner rightly prefers reading them all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        for name in ("case_key_trgm", "case_subject_trgm", "case_accounts_text_trgm"):
            assert f"Bitmap Index Scan on {name}" in plan, plan
        assert "Seq Scan on complaints_case" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the order's index exists on PostgreSQL only")
def test_oldest_untouched_first_reads_an_index_in_the_queues_order_without_sorting(staff):
    for n in range(6):
        make_case(10 + n)

    class Request:
        user = get_user_model().objects.get(pk=staff.pk)

    queryset = CaseFilter(
        {"status": "open", "order": "untouched"}, queryset=case_queue_for_user(staff), request=Request
    ).qs[:50]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows would be read whole and sorted: ask for a plan without a sort
        # or a scan of the whole table, which only an index in the order's shape gives.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_untouched_order_idx" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fillfactor is PostgreSQL's")
def test_case_pages_keep_room_for_updates_in_place():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'complaints_case'")
        assert cursor.fetchone()[0] == ["fillfactor=75"]
