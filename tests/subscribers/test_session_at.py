from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subscribers import ipkeys
from subscribers.selectors import session_at, session_at_statement, session_probe
from tests.subscribers.factories import AccountFactory, SessionFactory

pytestmark = pytest.mark.django_db


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def handover():
    """61.114.5.23: account A until 14:30:00Z, then account B (still online)."""
    a = AccountFactory(account_id="C-1001", identifier="c1001@flets")
    b = AccountFactory(account_id="C-1002", identifier="c1002@flets")
    SessionFactory(account=a, started_at=utc("2026-11-20T09:00:00Z"), stopped_at=utc("2026-11-20T14:30:00Z"))
    SessionFactory(account=b, started_at=utc("2026-11-20T14:30:00Z"))
    return a, b


@pytest.mark.parametrize(
    "instant, holder",
    [
        ("2026-11-20T08:59:59Z", None),
        ("2026-11-20T09:00:00Z", "C-1001"),
        ("2026-11-20T14:29:59Z", "C-1001"),
        ("2026-11-20T14:30:00Z", "C-1002"),
        ("2026-11-20T14:35:00Z", "C-1002"),
        ("2026-11-20T23:35:00+09:00", "C-1002"),
        ("2026-11-20T23:29:59+09:00", "C-1001"),
    ],
)
def test_the_handover_instant_belongs_to_the_new_holder(handover, instant, holder):
    session = session_at(ip="61.114.5.23", at=utc(instant))
    assert (session.account.account_id if session else None) == holder


def test_an_open_session_holds_the_address_until_it_stops(handover):
    assert session_at(ip="61.114.5.23", at=utc("2027-03-01T00:00:00Z")).account.account_id == "C-1002"


def test_a_closed_session_does_not_hold_the_address_afterwards():
    SessionFactory(started_at=utc("2026-11-20T00:00:00Z"), stopped_at=utc("2026-11-20T01:00:00Z"))
    assert session_at(ip="61.114.5.23", at=utc("2026-11-20T01:00:00Z")) is None


def test_an_address_inside_a_delegated_prefix_finds_the_prefix_holder():
    session = SessionFactory(address="2001:db8:1200::/56", started_at=utc("2026-11-19T00:00:00Z"))
    assert session_at(ip="2001:db8:1200:34::beef", at=utc("2026-11-20T00:00:00Z")) == session
    assert session_at(ip="2001:db8:1300::1", at=utc("2026-11-20T00:00:00Z")) is None


def test_the_most_specific_session_of_one_account_wins():
    account = AccountFactory()
    wide = SessionFactory(account=account, address="2001:db8:1200::/56")
    narrow = SessionFactory(account=account, address="2001:db8:1200:1::/64")
    at = utc("2026-11-21T00:00:00Z")
    assert session_at(ip="2001:db8:1200:1::5", at=at) == narrow
    assert session_at(ip="2001:db8:1200:2::5", at=at) == wide


def test_nested_sessions_of_two_accounts_name_neither_where_both_hold():
    """A /64 whose Stop was lost, inside a /56 another account holds now: which of the
    two used an address of the /64 is a guess; the rest of the /56 is the /56's."""
    wide = SessionFactory(address="2001:db8:1200::/56", started_at=utc("2026-11-20T00:00:00Z"))
    SessionFactory(address="2001:db8:1200:1::/64", started_at=utc("2025-11-20T00:00:00Z"))
    at = utc("2026-11-21T00:00:00Z")
    assert session_at(ip="2001:db8:1200:1::5", at=at) is None
    assert session_at(ip="2001:db8:1200:2::5", at=at) == wide


def test_an_ipv4_session_does_not_match_a_different_ipv4_address():
    SessionFactory(address="61.114.5.23")
    at = utc("2026-11-21T00:00:00Z")
    assert session_at(ip="61.114.5.24", at=at) is None
    assert session_at(ip="::ffff:61.114.5.23", at=at) is not None


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="aware"):
        session_at(ip="61.114.5.23", at=datetime(2026, 11, 20, 12, 0))


def test_the_lookup_is_one_statement_whatever_the_prefix_lengths_in_use(handover):
    delegated = SessionFactory(address="2001:db8:1200::/56")
    SessionFactory(address="2001:db8:1300::/60")
    with CaptureQueriesContext(connection) as queries:
        found = session_at(ip="2001:db8:1200::1", at=utc("2026-11-21T00:00:00Z"))
    assert found == delegated
    assert found.account.subscriber == delegated.account.subscriber  # loaded with it
    assert len(queries) == 1


def test_the_most_specific_holder_wins_and_a_stopped_one_gives_way(handover):
    at = utc("2026-11-21T00:00:00Z")
    account = AccountFactory()
    delegated = SessionFactory(account=account, address="2001:db8:1200::/56", started_at=at - timedelta(days=2))
    single = SessionFactory(account=account, address="2001:db8:1200::5", started_at=at - timedelta(days=1))
    assert session_at(ip="2001:db8:1200::5", at=at) == single
    assert session_at(ip="2001:db8:1200::6", at=at) == delegated
    single.stopped_at = at - timedelta(hours=1)
    single.save()
    assert session_at(ip="2001:db8:1200::5", at=at) == delegated
    assert session_at(ip="2001:db8:1200::5", at=at - timedelta(hours=2)) == single


def test_the_lookup_statement_descends_the_index_for_every_length(handover):
    SessionFactory(address="2001:db8:1200::/56")
    sql, params = session_at_statement(ip="61.114.5.23", at=utc("2026-11-20T14:31:00Z"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "session_range_start" in plan
    assert "Seq Scan on subscribers_session " not in plan
    assert "SCAN subscribers_session " not in plan and "SCAN x" not in plan


def test_the_instant_lookup_is_an_index_range_search_not_a_scan(handover):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A table of two rows would be scanned anyway; forbid that to see the index path.
            cursor.execute("SET LOCAL enable_seqscan = off")
    probe = session_probe(
        start_key=ipkeys.start_key_at("61.114.5.23", 128), prefix_len=128, at=utc("2026-11-20T14:31:00Z")
    )
    plan = probe.explain()
    assert "session_range_start" in plan
    if connection.vendor == "sqlite":
        assert "SCAN subscribers_session" not in plan
        assert "TEMP B-TREE" not in plan  # the index already gives the order
    else:
        assert "Seq Scan on subscribers_session" not in plan
        assert "Sort" not in plan


def test_sessions_of_many_addresses_do_not_slow_one_lookup():
    account = AccountFactory()
    base = utc("2026-11-01T00:00:00Z")
    for i in range(50):
        SessionFactory(account=account, address=f"61.114.6.{i}", started_at=base + timedelta(hours=i))
    with CaptureQueriesContext(connection) as queries:
        assert session_at(ip="61.114.6.7", at=base + timedelta(days=5)).address == "61.114.6.7"
    assert len(queries) == 1
