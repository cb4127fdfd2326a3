"""A lost Stop (a NAS reboot, a dropped UDP packet): the rows of that session stay open
until something says it ended. A new accounting session on the same address or routed
prefix says so: whoever starts it, the earlier session ended at the latest when the new
one began (RFC 2866: one Acct-Session-Id per session). The earlier rows end then, with a
note, and the new session gets rows of its own that its Stop can end. A CSV row is one
session, so the same holds for a later CSV row of the same account on the same range."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from subscribers.models import Session
from subscribers.selectors import account_for_ip_at
from tests.subscribers.commands import run_command

pytestmark = pytest.mark.usefixtures("inventory")

JST = timezone(timedelta(hours=9))


def _record(status: str, user: str, jst: str, *attributes: str) -> str:
    """A detail record stamped `jst` (HH:MM on Nov 20 2026, Japan time)."""
    lines = [
        f"Fri Nov 20 {jst}:00 2026",
        f"\tAcct-Status-Type = {status}",
        f'\tUser-Name = "{user}"',
        *(f"\t{attribute}" for attribute in attributes),
        f'\tEvent-Timestamp = "Nov 20 2026 {jst}:00 JST"',
    ]
    return "\n".join(lines) + "\n\n"


def _detail(directory, text: str, name: str = "detail"):
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(text)
    return run_command("import_sessions", path, format="radius")


def _utc(jst: str) -> datetime:
    """HH:MM on Nov 20 2026, Japan time, as UTC."""
    hours, minutes = jst.split(":")
    return datetime(2026, 11, 20, int(hours), int(minutes), tzinfo=JST).astimezone(UTC)


def _holder(ip: str, jst: str) -> str | None:
    hit = account_for_ip_at(ip=ip, at=_utc(jst))
    return hit.account.account_id if hit.account else None


def _rows(session_id: str) -> dict[str, tuple[datetime, datetime | None]]:
    rows = Session.objects.filter(radius_session_id=session_id)
    return {s.address: (s.started_at, s.stopped_at) for s in rows}


BIZ = "c2001@biz"  # C-2001: a business line, the same address and /29 at every session
ADDRESS = "Framed-IP-Address = 61.114.9.1"
ROUTE = 'Framed-Route = "61.114.9.96/29 0.0.0.0 1"'


def test_the_next_session_of_the_account_ends_the_one_whose_stop_was_lost(tmp_path):
    output = _detail(
        tmp_path,
        _record("Start", BIZ, "09:00", ADDRESS, ROUTE, 'Acct-Session-Id = "A1"')
        # A1's Stop never came.
        + _record("Start", BIZ, "12:00", ADDRESS, ROUTE, 'Acct-Session-Id = "A2"')
        + _record("Stop", BIZ, "15:00", ADDRESS, 'Acct-Session-Id = "A2"', "Acct-Session-Time = 10800"),
    )
    assert output.err == ""
    assert _rows("A1") == dict.fromkeys(["61.114.9.1", "61.114.9.96/29"], (_utc("09:00"), _utc("12:00")))
    assert _rows("A2") == dict.fromkeys(["61.114.9.1", "61.114.9.96/29"], (_utc("12:00"), _utc("15:00")))
    assert "read 3, created 2, updated 1, unchanged 0, rejected 0, note 2" in output.out
    assert (
        ":9: note: 61.114.9.1: the earlier session A1 of account C-2001 (2026-11-20T00:00:00+00:00 – "
        "2026-11-20T03:00:00+00:00) had no Stop; ended when this session began" in output.out
    )
    assert ":9: note: 61.114.9.96/29: the earlier session A1 of account C-2001" in output.out
    for ip in ("61.114.9.1", "61.114.9.99"):
        assert _holder(ip, "11:59") == "C-2001", ip
        assert _holder(ip, "14:59") == "C-2001", ip
        assert _holder(ip, "15:00") is None, ip


def test_a_reimport_changes_nothing_more(tmp_path):
    text = (
        _record("Start", BIZ, "09:00", ADDRESS, ROUTE, 'Acct-Session-Id = "A1"')
        + _record("Start", BIZ, "12:00", ADDRESS, ROUTE, 'Acct-Session-Id = "A2"')
        + _record(
            "Interim-Update", BIZ, "13:00", ADDRESS, 'Acct-Session-Id = "A2"', "Acct-Session-Time = 3600"
        )
        + _record("Stop", BIZ, "15:00", ADDRESS, 'Acct-Session-Id = "A2"', "Acct-Session-Time = 10800")
    )
    _detail(tmp_path / "first", text)
    output = _detail(tmp_path / "again", text)
    assert output.err == ""
    assert "read 4, created 0, updated 0, unchanged 4, rejected 0" in output.out
    assert Session.objects.count() == 4
    assert _rows("A1") == dict.fromkeys(["61.114.9.1", "61.114.9.96/29"], (_utc("09:00"), _utc("12:00")))


def test_a_stop_whose_start_was_lost_too_ends_the_earlier_session_where_its_own_began(tmp_path):
    """The Stop names only the address; the /29 of the session that lost its Stop ended
    with that session, when the next one began (stop less Acct-Session-Time)."""
    output = _detail(
        tmp_path,
        _record("Start", BIZ, "09:00", ADDRESS, ROUTE, 'Acct-Session-Id = "A1"')
        + _record("Stop", BIZ, "15:00", ADDRESS, 'Acct-Session-Id = "A2"', "Acct-Session-Time = 10800"),
    )
    assert output.err == ""
    assert _rows("A1") == dict.fromkeys(["61.114.9.1", "61.114.9.96/29"], (_utc("09:00"), _utc("12:00")))
    assert _rows("A2") == {"61.114.9.1": (_utc("12:00"), _utc("15:00"))}
    assert "61.114.9.96/29: the earlier session A1 of account C-2001" in output.out
    assert _holder("61.114.9.1", "13:00") == "C-2001"
    assert _holder("61.114.9.99", "11:59") == "C-2001"
    assert _holder("61.114.9.99", "13:00") is None  # routed to A2 too? No record says so.


def test_an_earlier_session_imported_after_the_next_ends_when_the_next_began(tmp_path):
    _detail(
        tmp_path / "later",
        _record("Start", BIZ, "12:00", ADDRESS, 'Acct-Session-Id = "A2"')
        + _record("Stop", BIZ, "15:00", ADDRESS, 'Acct-Session-Id = "A2"'),
    )
    output = _detail(tmp_path / "earlier", _record("Start", BIZ, "09:00", ADDRESS, 'Acct-Session-Id = "A1"'))
    assert output.err == ""
    assert "created 1" in output.out
    assert "note: closed at 2026-11-20T03:00:00+00:00, when account C-2001" in output.out
    assert _rows("A1") == {"61.114.9.1": (_utc("09:00"), _utc("12:00"))}
    assert _holder("61.114.9.1", "10:00") == "C-2001"
    assert _holder("61.114.9.1", "15:00") is None


def test_the_next_customer_on_a_dynamic_address_is_named_and_no_one_in_between(tmp_path):
    dynamic = "Framed-IP-Address = 61.114.5.40"
    output = _detail(
        tmp_path,
        _record("Start", "c1001@flets", "09:00", dynamic, 'Acct-Session-Id = "B1"')
        + _record("Start", "c1001@flets", "12:00", dynamic, 'Acct-Session-Id = "B2"')
        + _record("Stop", "c1001@flets", "15:00", dynamic, 'Acct-Session-Id = "B2"')
        + _record("Start", "c1002@flets", "18:00", dynamic, 'Acct-Session-Id = "C1"'),
    )
    assert output.err == ""
    assert "implicitly closed" not in output.out  # C-1001's rows had all ended by then
    assert _holder("61.114.5.40", "10:00") == "C-1001"
    assert _holder("61.114.5.40", "14:59") == "C-1001"
    assert _holder("61.114.5.40", "16:00") is None
    assert _holder("61.114.5.40", "18:00") == "C-1002"
    assert _rows("C1") == {"61.114.5.40": (_utc("18:00"), None)}


def test_an_interim_update_of_the_open_session_ends_nothing(tmp_path):
    _detail(
        tmp_path,
        _record("Start", BIZ, "09:00", ADDRESS, 'Acct-Session-Id = "A1"')
        + _record(
            "Interim-Update", BIZ, "10:00", ADDRESS, 'Acct-Session-Id = "A1"', "Acct-Session-Time = 3599"
        )
        + _record("Interim-Update", BIZ, "11:00", ADDRESS, 'Acct-Session-Id = "A1"'),
    )
    assert _rows("A1") == {"61.114.9.1": (_utc("09:00"), None)}
    assert Session.objects.count() == 1


def test_another_accounts_session_on_another_range_is_left_alone(tmp_path):
    """Only the account's own rows of the session that lost its Stop end: another line's
    /64 inside the business line's delegated /56 keeps its span."""
    prefix = "Delegated-IPv6-Prefix = 2001:db8:77:200::/56"
    _detail(
        tmp_path,
        _record("Start", BIZ, "09:00", prefix, 'Acct-Session-Id = "A1"')
        + _record("Start", "c1001@flets", "10:00", "Delegated-IPv6-Prefix = 2001:db8:77:200::/64",
                  'Acct-Session-Id = "B1"')
        + _record("Start", BIZ, "12:00", prefix, 'Acct-Session-Id = "A2"'),
    )  # fmt: skip
    assert _rows("B1") == {"2001:db8:77:200::/64": (_utc("10:00"), None)}
    assert _rows("A1") == {"2001:db8:77:200::/56": (_utc("09:00"), _utc("12:00"))}


def test_an_accounting_on_is_ignored_and_noted(tmp_path):
    """A NAS that boots sends Accounting-On: whatever it had open ended. The desk does
    not record which NAS carried a session, so the rows end at their range's next Start."""
    output = _detail(
        tmp_path,
        _record("Start", BIZ, "09:00", ADDRESS, 'Acct-Session-Id = "A1"')
        + "Fri Nov 20 11:00:00 2026\n\tAcct-Status-Type = Accounting-On\n\tNAS-IP-Address = 192.0.2.17\n"
        '\tEvent-Timestamp = "Nov 20 2026 11:00:00 JST"\n\n'
        "Fri Nov 20 11:30:00 2026\n\tAcct-Status-Type = Accounting-Off\n\n",
    )
    assert output.err == ""
    assert "read 3, created 1, updated 0, unchanged 0, rejected 0, ignored 2, note 2" in output.out
    assert "note: Accounting-On from NAS 192.0.2.17: the sessions it had open ended" in output.out
    assert "note: Accounting-Off from an unnamed NAS: the sessions it had open ended" in output.out
    assert _rows("A1") == {"61.114.9.1": (_utc("09:00"), None)}


# -- CSV: a row is a session, so a later row of the account ends its open one ----------

CSV_HEADER = "account_id,ip,start,stop\n"


def _csv(directory, rows: str):
    directory.mkdir(exist_ok=True)
    path = directory / "sessions.csv"
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    return run_command("import_sessions", path)


def _csv_rows(address: str) -> list[tuple[datetime, datetime | None]]:
    rows = Session.objects.filter(address=address).order_by("started_at")
    return [(s.started_at, s.stopped_at) for s in rows]


def test_a_later_csv_row_of_the_account_ends_its_open_row(tmp_path):
    _csv(tmp_path / "first", "C-1001,61.114.5.41,2026-11-20T09:00:00+09:00,\n")
    output = _csv(
        tmp_path / "second", "C-1001,61.114.5.41,2026-11-20T12:00:00+09:00,2026-11-20T15:00:00+09:00\n"
    )
    assert output.err == ""
    assert "read 1, created 1, updated 0, unchanged 0, rejected 0, note 1" in output.out
    assert "61.114.5.41: the earlier session of account C-1001" in output.out
    assert _csv_rows("61.114.5.41") == [(_utc("09:00"), _utc("12:00")), (_utc("12:00"), _utc("15:00"))]
    assert _holder("61.114.5.41", "16:00") is None


def test_csv_rows_of_one_file_in_any_order(tmp_path):
    output = _csv(
        tmp_path,
        "C-1001,61.114.5.42,2026-11-20T12:00:00+09:00,2026-11-20T15:00:00+09:00\n"
        "C-1001,61.114.5.42,2026-11-20T09:00:00+09:00,\n"
        "C-1001,61.114.5.43,2026-11-20T09:00:00+09:00,\n"
        "C-1001,61.114.5.43,2026-11-20T12:00:00+09:00,2026-11-20T15:00:00+09:00\n",
    )
    assert output.err == ""
    assert "read 4, created 4, updated 0, unchanged 0, rejected 0, note 2" in output.out
    for address in ("61.114.5.42", "61.114.5.43"):
        assert _csv_rows(address) == [(_utc("09:00"), _utc("12:00")), (_utc("12:00"), _utc("15:00"))]
        assert _holder(address, "16:00") is None


def test_an_overlapping_csv_row_of_the_account_with_a_stop_is_still_unchanged(tmp_path):
    """Two closed rows of one account that overlap say nothing about a lost stop."""
    _csv(tmp_path / "first", "C-1001,61.114.5.44,2026-11-20T09:00:00+09:00,2026-11-20T15:00:00+09:00\n")
    output = _csv(
        tmp_path / "second", "C-1001,61.114.5.44,2026-11-20T12:00:00+09:00,2026-11-20T13:00:00+09:00\n"
    )
    assert "read 1, created 0, updated 0, unchanged 1, rejected 0" in output.out
    assert _csv_rows("61.114.5.44") == [(_utc("09:00"), _utc("15:00"))]


@pytest.mark.parametrize("next_user", ["c1002@flets", "c1001@flets"])
def test_a_reimported_start_never_moves_the_stop_of_its_session(tmp_path, next_user):
    """The end a session's Stop gave is kept when its Start is read again, whoever began
    on the address after it: an end inferred from the next Start is only for an open row."""
    dynamic = "Framed-IP-Address = 61.114.5.45"
    text = (
        _record("Start", "c1001@flets", "09:00", dynamic, 'Acct-Session-Id = "B1"')
        + _record("Stop", "c1001@flets", "11:00", dynamic, 'Acct-Session-Id = "B1"')
        + _record("Start", next_user, "12:00", dynamic, 'Acct-Session-Id = "B2"')
    )
    _detail(tmp_path / "first", text)
    output = _detail(tmp_path / "again", text)
    assert output.err == ""
    assert "read 3, created 0, updated 0, unchanged 3, rejected 0\n" in output.out
    assert _rows("B1") == {"61.114.5.45": (_utc("09:00"), _utc("11:00"))}
    assert _holder("61.114.5.45", "11:30") is None


def test_another_customer_on_the_address_ends_the_whole_session_that_lost_its_stop(tmp_path):
    """The delegated prefix of a session whose address went to another customer ended
    with that session: it is no longer named for the prefix's addresses."""
    output = _detail(
        tmp_path,
        _record(
            "Start", "c1001@flets", "09:00", "Framed-IP-Address = 61.114.5.46",
            "Delegated-IPv6-Prefix = 2001:db8:1300::/56", 'Acct-Session-Id = "B1"',
        )
        + _record("Start", "c1002@flets", "12:00", "Framed-IP-Address = 61.114.5.46", 'Acct-Session-Id = "C1"'),
    )  # fmt: skip
    assert output.err == ""
    assert "note: implicitly closed 61.114.5.46 for account C-1001" in output.out
    assert (
        "note: implicitly closed 2001:db8:1300::/56 for account C-1001 (2026-11-20T00:00:00+00:00 – "
        "2026-11-20T03:00:00+00:00), of the same session B1 as 61.114.5.46" in output.out
    )
    assert _rows("B1") == dict.fromkeys(["61.114.5.46", "2001:db8:1300::/56"], (_utc("09:00"), _utc("12:00")))
    assert _holder("2001:db8:1300::1", "11:59") == "C-1001"
    assert _holder("2001:db8:1300::1", "12:00") is None
    assert _holder("61.114.5.46", "12:00") == "C-1002"
