"""The swap of a bulk-loaded partition waits only briefly for the table's lock, with a
real second connection reading the table (committed transactions, PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection

from subscribers import partitions
from subscribers.selectors import session_at
from tests.subscribers.commands import run_command
from tests.subscribers.conftest import inventory  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("inventory"),
]


@pytest.fixture(autouse=True)
def postgresql(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    monkeypatch.setattr(partitions, "SWAP_MIN_ROWS", 10)


def other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def old_oid() -> int:
    return partitions._rows("SELECT to_regclass('subscribers_session_old')::oid")[0][0]


def history(tmp_path, net: str):
    path = tmp_path / f"history-{net}.csv"
    path.write_text(
        "account_id,ip,start,stop\n"
        + "".join(f"C-1001,{net}.{n},2020-03-0{1 + n % 9}T01:00:00Z,2020-03-0{1 + n % 9}T02:00:00Z\n" for n in range(30)),
        encoding="utf-8",
    )  # fmt: skip
    return path


def test_a_reader_holding_the_table_gets_the_rows_inserted_instead_and_is_not_blocked_for_long(tmp_path):
    before = old_oid()
    reader = other_connection()
    try:
        reader.execute("SELECT count(*) FROM subscribers_session")  # ACCESS SHARE until the reader ends
        t0 = time.monotonic()
        output = run_command("import_sessions", history(tmp_path, "10.95.0"))
        waited = time.monotonic() - t0
        # The reader, still in its transaction, reads on (the import gave up the lock it
        # queued for) and sees the rows the import committed.
        assert reader.execute("SELECT count(*) FROM subscribers_session").fetchone()[0] == 30
    finally:
        reader.close()
    assert "read 30, created 30," in output.out
    assert old_oid() == before  # not swapped
    assert waited >= partitions.SWAP_LOCK_TRIES * partitions.SWAP_LOCK_TIMEOUT_MS / 1000
    assert session_at(ip="10.95.0.4", at=datetime(2020, 3, 5, 1, 30, tzinfo=UTC)).account.account_id == "C-1001"
    assert partitions._rows("SELECT to_regclass('subscribers_session_old_load')")[0][0] is None


def test_with_no_reader_the_load_is_swapped_in_and_seen_by_other_connections(tmp_path):
    before = old_oid()
    output = run_command("import_sessions", history(tmp_path, "10.96.0"))
    assert "read 30, created 30," in output.out
    assert old_oid() != before
    with other_connection() as other:
        assert other.execute("SELECT count(*) FROM subscribers_session_old").fetchone()[0] == 30
