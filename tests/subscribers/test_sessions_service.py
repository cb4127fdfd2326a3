"""session_record and session_close: the rules that keep one holder per address per instant."""

from datetime import UTC, datetime

import pytest

from subscribers.services import InventoryError, Outcome, session_close, session_record
from tests.subscribers.factories import AccountFactory

pytestmark = pytest.mark.django_db


def t(hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime(2026, 11, 20, int(hours), int(minutes), tzinfo=UTC)


@pytest.fixture
def a():
    return AccountFactory(account_id="C-1001", identifier="c1001@flets")


@pytest.fixture
def b():
    return AccountFactory(account_id="C-1002", identifier="c1002@flets")


def test_recording_the_same_session_twice_is_unchanged(a):
    first = session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("10:00"))
    again = session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("10:00"))
    assert (first.outcome, again.outcome) == (Outcome.CREATED, Outcome.UNCHANGED)
    assert again.session == first.session


def test_a_stop_time_closes_an_open_session(a):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"))
    result = session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("10:00"))
    assert result.outcome == Outcome.UPDATED
    assert result.session.stopped_at == t("10:00")


def test_an_open_record_never_reopens_a_closed_session(a):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("10:00"))
    result = session_record(account=a, ip="61.114.5.23", started_at=t("09:00"))
    assert result.outcome == Outcome.UNCHANGED
    assert result.session.stopped_at == t("10:00")


def test_a_new_holder_implicitly_closes_the_open_session_of_another_account(a, b):
    old = session_record(account=a, ip="61.114.5.23", started_at=t("09:00")).session
    result = session_record(account=b, ip="61.114.5.23", started_at=t("14:30"))
    old.refresh_from_db()
    assert old.stopped_at == t("14:30")
    assert result.outcome == Outcome.CREATED
    assert "implicitly closed 61.114.5.23 for account C-1001" in result.notes[0]


def test_an_older_open_session_imported_late_ends_when_the_next_holder_began(b, a):
    session_record(account=b, ip="61.114.5.23", started_at=t("14:30"))
    result = session_record(account=a, ip="61.114.5.23", started_at=t("09:00"))
    assert result.session.stopped_at == t("14:30")
    assert "when account C-1002" in result.notes[0]


def test_overlapping_a_closed_session_of_another_account_is_refused(a, b):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("12:00"))
    with pytest.raises(InventoryError, match=r"overlaps the session of account C-1001 \(2026-11-20T09:00:00"):
        session_record(account=b, ip="61.114.5.23", started_at=t("11:00"), stopped_at=t("13:00"))


def test_two_accounts_starting_at_the_same_instant_are_refused(a, b):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"))
    with pytest.raises(InventoryError, match="two holders"):
        session_record(account=b, ip="61.114.5.23", started_at=t("09:00"))


def test_a_session_of_the_same_account_overlapping_is_unchanged(a):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("12:00"))
    result = session_record(account=a, ip="61.114.5.23", started_at=t("10:00"), stopped_at=t("11:00"))
    assert result.outcome == Outcome.UNCHANGED


def test_back_to_back_sessions_of_different_accounts_do_not_overlap(a, b):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), stopped_at=t("14:30"))
    result = session_record(account=b, ip="61.114.5.23", started_at=t("14:30"), stopped_at=t("15:00"))
    assert result.outcome == Outcome.CREATED and not result.notes


def test_only_connection_accounts_hold_sessions():
    mail = AccountFactory(kind="mail", account_id="M-1001", identifier="taro")
    with pytest.raises(InventoryError, match="is a mail account, not a connection account"):
        session_record(account=mail, ip="61.114.5.23", started_at=t("09:00"))


def test_naive_times_are_refused(a):
    with pytest.raises(InventoryError, match="no UTC offset"):
        session_record(account=a, ip="61.114.5.23", started_at=datetime(2026, 11, 20, 9, 0))


def test_a_stop_without_start_is_placed_by_its_session_time(a):
    result = session_close(account=a, ip="61.114.5.23", stopped_at=t("12:00"), session_time=3 * 3600)
    assert (result.outcome, result.session.started_at) == (Outcome.CREATED, t("09:00"))


def test_a_stop_without_start_or_session_time_is_refused(a):
    with pytest.raises(InventoryError, match="without a matching Start and without Acct-Session-Time"):
        session_close(account=a, ip="61.114.5.23", stopped_at=t("12:00"))


def test_a_stop_for_a_session_closed_by_the_next_holder_keeps_that_end(a, b):
    session_record(account=a, ip="61.114.5.23", started_at=t("09:00"), radius_session_id="R1")
    session_record(account=b, ip="61.114.5.23", started_at=t("14:30"), radius_session_id="R2")
    result = session_close(account=a, ip="61.114.5.23", stopped_at=t("14:35"), radius_session_id="R1")
    assert result.outcome == Outcome.UNCHANGED
    assert result.session.stopped_at == t("14:30")
    assert "already closed" in result.notes[0]
