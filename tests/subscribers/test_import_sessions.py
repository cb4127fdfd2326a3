from datetime import UTC, datetime

import pytest
from django.core.management.base import CommandError

from subscribers.models import Session
from subscribers.selectors import session_at
from tests.subscribers.commands import DATA, run_command

pytestmark = pytest.mark.usefixtures("inventory")

CSV_HEADER = "account_id,ip,start,stop\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def holder(ip: str, at: str) -> str | None:
    session = session_at(ip=ip, at=utc(at))
    return session.account.account_id if session else None


def write_csv(tmp_path, rows: str):
    path = tmp_path / "sessions.csv"
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    return path


def test_csv_sessions_are_imported_with_their_offsets():
    output = run_command("import_sessions", DATA / "sessions.csv")
    assert output.err == ""
    assert "read 4, created 4, updated 0, unchanged 0, rejected 0" in output.out
    session = Session.objects.get(account__account_id="C-1003")
    assert (session.started_at, session.stopped_at) == (
        utc("2026-11-17T23:00:00Z"),
        utc("2026-11-18T11:00:00Z"),
    )


def test_csv_handover_moment_belongs_to_the_new_holder():
    run_command("import_sessions", DATA / "sessions.csv")
    assert holder("61.114.5.23", "2026-11-20T14:29:59Z") == "C-1001"
    assert holder("61.114.5.23", "2026-11-20T14:30:00Z") == "C-1002"
    assert holder("61.114.5.23", "2026-11-20T14:35:00Z") == "C-1002"


def test_csv_ipv6_prefix_session_covers_addresses_inside_it():
    run_command("import_sessions", DATA / "sessions.csv")
    session = Session.objects.get(address="2001:db8:1200::/56")
    assert (session.prefix_len, session.stopped_at) == (56, None)
    assert holder("2001:db8:1200:ff::1", "2026-11-25T00:00:00Z") == "C-1001"


def test_csv_re_import_is_idempotent():
    run_command("import_sessions", DATA / "sessions.csv")
    output = run_command("import_sessions", DATA / "sessions.csv", format="csv")
    assert "read 4, created 0, updated 0, unchanged 4, rejected 0" in output.out
    assert Session.objects.count() == 4


def test_csv_bad_lines_are_rejected_with_reasons():
    output = run_command("import_sessions", DATA / "sessions_bad.csv")
    err = output.err.replace(str(DATA) + "/", "")
    assert (
        "sessions_bad.csv:2: start '2026-11-20T10:00:00' has no UTC offset; attribution compares instants"
        in err
    )
    assert "sessions_bad.csv:3: unknown account_id 'C-9999'" in err
    assert "sessions_bad.csv:4: '61.114.9.300' is not an IPv4 or IPv6 address" in err
    assert "sessions_bad.csv:5: '2001:db8:1200::1/56' has host bits set" in err
    assert "sessions_bad.csv:6: account M-1001 is a mail account, not a connection account" in err
    assert (
        "sessions_bad.csv:7: stop 2026-11-20T10:00:00+00:00 is before start 2026-11-20T12:00:00+00:00" in err
    )
    assert "sessions_bad.csv:8: expected 4 fields, found 2" in err
    assert "sessions_bad.csv:9: start 'yesterday' is not an ISO 8601 time" in err
    assert "read 9, created 1, updated 0, unchanged 0, rejected 8" in output.out


def test_csv_new_holder_implicitly_closes_an_open_session_with_a_note(tmp_path):
    path = write_csv(
        tmp_path,
        "C-1001,61.114.5.50,2026-11-20T09:00:00+09:00,\nC-1002,61.114.5.50,2026-11-20T18:00:00+09:00,\n",
    )
    output = run_command("import_sessions", path)
    assert ":3: note: implicitly closed 61.114.5.50 for account C-1001" in output.out
    assert "read 2, created 2, updated 0, unchanged 0, rejected 0, note 1" in output.out
    assert holder("61.114.5.50", "2026-11-20T08:59:59Z") == "C-1001"
    assert holder("61.114.5.50", "2026-11-20T09:00:00Z") == "C-1002"


def test_csv_overlap_with_a_closed_session_of_another_account_is_rejected(tmp_path):
    path = write_csv(
        tmp_path,
        "C-1001,61.114.5.60,2026-11-20T09:00:00Z,2026-11-20T12:00:00Z\n"
        "C-1002,61.114.5.60,2026-11-20T11:00:00Z,2026-11-20T13:00:00Z\n",
    )
    output = run_command("import_sessions", path)
    assert (
        ":3: 61.114.5.60 overlaps the session of account C-1001 "
        "(2026-11-20T09:00:00+00:00 – 2026-11-20T12:00:00+00:00)" in output.err
    )
    assert holder("61.114.5.60", "2026-11-20T11:30:00Z") == "C-1001"


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read .*nope.csv: No such file"):
        run_command("import_sessions", tmp_path / "nope.csv")
    with pytest.raises(CommandError, match="cannot read"):
        run_command("import_sessions", tmp_path / "nope.csv", format="csv")


def test_a_bad_csv_header_is_a_command_error(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("account_id,address,start\nC-1001,61.114.5.23,2026-11-20T00:00:00Z\n")
    with pytest.raises(CommandError, match="header must be account_id,ip,start,stop"):
        run_command("import_sessions", path)


def test_an_unrecognised_file_is_a_command_error(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("hello\n")
    with pytest.raises(CommandError, match="cannot tell whether this is CSV or a RADIUS detail file"):
        run_command("import_sessions", path)


# -- FreeRADIUS detail ---------------------------------------------------------------

RADIUS = DATA / "radius-detail-20261120"


def test_radius_start_and_stop_make_closed_sessions_for_address_and_delegated_prefix():
    output = run_command("import_sessions", RADIUS)
    v4 = Session.objects.get(account__account_id="C-1001", address="61.114.5.23")
    v6 = Session.objects.get(account__account_id="C-1001", address="2001:db8:1200::/56")
    for session in (v4, v6):
        assert (session.started_at, session.stopped_at) == (
            utc("2026-11-20T00:00:00Z"),
            utc("2026-11-20T14:30:00Z"),
        )
        assert (session.source, session.radius_session_id) == ("radius", "4D2A0001")
    assert "read 7, created 3, updated 1, unchanged 0, rejected 2, ignored 1" in output.out


def test_radius_handover_with_epoch_event_timestamp():
    run_command("import_sessions", RADIUS)
    assert holder("61.114.5.23", "2026-11-20T14:29:59Z") == "C-1001"
    assert holder("61.114.5.23", "2026-11-20T14:30:00Z") == "C-1002"
    assert holder("2001:db8:1200::1", "2026-11-20T14:30:00Z") is None


def test_radius_stop_without_start_uses_the_session_time():
    run_command("import_sessions", RADIUS)
    session = Session.objects.get(account__account_id="C-2001")
    assert (session.started_at, session.stopped_at) == (
        utc("2026-11-20T00:00:00Z"),
        utc("2026-11-20T03:00:00Z"),
    )


def test_radius_bad_records_are_rejected_with_reasons():
    output = run_command("import_sessions", RADIUS)
    err = output.err.replace(str(DATA) + "/", "")
    assert "radius-detail-20261120:37: Stop without a matching Start and without Acct-Session-Time" in err
    assert "radius-detail-20261120:44: unknown connection account User-Name 'c9999@flets'" in err


def test_radius_re_import_is_idempotent():
    run_command("import_sessions", RADIUS)
    output = run_command("import_sessions", RADIUS, format="radius")
    assert "read 7, created 0, updated 0, unchanged 4, rejected 2, ignored 1" in output.out
    assert Session.objects.count() == 4


def test_radius_record_without_event_timestamp_is_rejected(tmp_path):
    path = tmp_path / "detail"
    path.write_text(
        'Fri Nov 20 09:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c1001@flets"\n'
        "\tFramed-IP-Address = 61.114.5.70\n\n"
        'Fri Nov 20 09:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c1002@flets"\n'
        '\tFramed-IP-Address = 61.114.5.71\n\tEvent-Timestamp = "Nov 20 2026 09:00:00 PDT"\n\n'
        "Fri Nov 20 09:00:00 2026\n\tAcct-Status-Type = Start\n\tthis is not an attribute\n"
    )
    output = run_command("import_sessions", path)
    assert ":1: no Event-Timestamp" in output.err
    assert ":6: Event-Timestamp zone 'PDT' is not one of" in output.err
    assert ":12: line 14 is not 'Attribute = value'" in output.err


@pytest.mark.parametrize(
    "value, instant",
    [
        ("1795185000", "2026-11-20T14:30:00Z"),
        ('"Nov 20 2026 23:30:00 JST"', "2026-11-20T14:30:00Z"),
        ('"Nov  5 2026 14:30:00 UTC"', "2026-11-05T14:30:00Z"),
        ('"Nov 20 2026 23:30:00 +0900"', "2026-11-20T14:30:00Z"),
    ],
)
def test_radius_event_timestamp_forms(tmp_path, value, instant):
    path = tmp_path / "detail"
    path.write_text(
        'Fri Nov 20 23:30:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c1002@flets"\n'
        f"\tFramed-IP-Address = 61.114.5.80\n\tEvent-Timestamp = {value}\n"
    )
    run_command("import_sessions", path)
    assert Session.objects.get(address="61.114.5.80").started_at == utc(instant)


# -- the same outcomes whichever path runs (row by row on SQLite, set-based on PostgreSQL)


def test_mixed_file_gives_outcomes_notes_and_rejections_in_file_order(tmp_path):
    run_command(
        "import_sessions",
        write_csv(tmp_path, "C-1001,61.114.5.90,2026-11-19T00:00:00Z,2026-11-19T06:00:00Z\n"),
    )
    path = tmp_path / "mixed.csv"
    path.write_text(
        CSV_HEADER
        + "C-1001,61.114.5.90,2026-11-19T00:00:00Z,2026-11-19T08:00:00Z\n"  # 2: stored, new stop: updated
        + "C-9999,61.114.5.91,2026-11-20T00:00:00Z,\n"  # 3: unknown account
        + "C-1002,61.114.5.90,2026-11-19T07:00:00Z,2026-11-19T09:00:00Z\n"  # 4: overlaps line 2's session
        + "C-1001,61.114.5.92,2026-11-20T00:00:00Z,\n"  # 5: open, closed by line 7
        + "C-1001,61.114.5.300,2026-11-20T00:00:00Z,\n"  # 6: bad address
        + "C-1002,61.114.5.92,2026-11-20T05:00:00Z,2026-11-20T06:00:00Z\n"  # 7: next holder
        + "C-1001,61.114.5.93,2026-11-20T00:00:00Z,2026-11-20T01:00:00Z\n"  # 8: new
        + "C-1001,61.114.5.93,2026-11-20T00:00:00Z,2026-11-20T01:00:00Z\n"  # 9: the same line again
        + "M-1001,61.114.5.94,2026-11-20T00:00:00Z,\n"  # 10: not a connection account
        + "C-1001,61.114.5.95\n",  # 11: too few fields
        encoding="utf-8",
    )
    output = run_command("import_sessions", path)
    err = [line.replace(str(path), "f") for line in output.err.splitlines()]
    assert err == [
        "f:3: unknown account_id 'C-9999'",
        "f:4: 61.114.5.90 overlaps the session of account C-1001 "
        "(2026-11-19T00:00:00+00:00 – 2026-11-19T08:00:00+00:00); two holders at one instant",
        "f:6: '61.114.5.300' is not an IPv4 or IPv6 address",
        "f:10: account M-1001 is a mail account, not a connection account",
        "f:11: expected 4 fields, found 2",
    ]
    assert "f:7: note: implicitly closed 61.114.5.92 for account C-1001" in output.out.replace(str(path), "f")
    assert "read 10, created 3, updated 1, unchanged 1, rejected 5, note 1" in output.out
    assert holder("61.114.5.90", "2026-11-19T07:30:00Z") == "C-1001"
    assert holder("61.114.5.92", "2026-11-20T04:59:59Z") == "C-1001"
    assert holder("61.114.5.92", "2026-11-20T05:00:00Z") == "C-1002"
    assert Session.objects.filter(address="61.114.5.93").count() == 1


def test_an_older_open_session_imported_after_a_newer_one_ends_when_the_newer_began(tmp_path):
    run_command("import_sessions", write_csv(tmp_path, "C-1002,61.114.5.96,2026-11-20T12:00:00Z,\n"))
    path = tmp_path / "late.csv"
    path.write_text(CSV_HEADER + "C-1001,61.114.5.96,2026-11-20T08:00:00Z,\n", encoding="utf-8")
    output = run_command("import_sessions", path)
    assert "note: closed at 2026-11-20T12:00:00+00:00, when account C-1002" in output.out
    assert holder("61.114.5.96", "2026-11-20T11:59:59Z") == "C-1001"
    assert holder("61.114.5.96", "2026-11-20T12:00:00Z") == "C-1002"


def _clean_file(tmp_path, lines: int):
    path = tmp_path / f"clean-{lines}.csv"
    rows = "".join(
        f"C-100{1 + n % 2},10.77.{n // 250}.{n % 250},2026-11-20T0{lines % 7}:00:00Z,2026-11-20T0{lines % 7}:30:00Z\n"
        for n in range(lines)
    )
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    return path


def test_on_postgresql_the_statement_count_does_not_grow_with_the_file(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the set-based import is the PostgreSQL path; SQLite imports row by row")
    from django.test.utils import CaptureQueriesContext

    counts = []
    for lines in (50, 1500):
        with CaptureQueriesContext(connection) as queries:
            output = run_command("import_sessions", _clean_file(tmp_path, lines))
        assert f"read {lines}, created {lines}," in output.out
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Session.objects.filter(address__startswith="10.77.").count() == 1550
