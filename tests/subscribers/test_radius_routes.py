"""RADIUS Framed-Route / Framed-IPv6-Route: a prefix routed to the line (a business
fixed-IP /29, a customer LAN's /64) was the line's account's for the same span as the
session, so an address inside it names that account. A route to a private network
(the customer's own LAN, the same 192.168.1.0/24 behind many lines) is noted, never
recorded; nor is a route whose length is not given."""

from datetime import UTC, datetime

import pytest

from subscribers.models import Session
from subscribers.selectors import account_for_ip_at
from tests.subscribers.commands import run_command

pytestmark = pytest.mark.usefixtures("inventory")

START = 'Fri Nov 20 10:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c2001@biz"\n'
STOP = 'Fri Nov 20 19:00:00 2026\n\tAcct-Status-Type = Stop\n\tUser-Name = "c2001@biz"\n'


def _detail(tmp_path, text: str):
    path = tmp_path / "detail"
    path.write_text(text)
    return run_command("import_sessions", path, format="radius")


def _holder(ip: str, at: str) -> str | None:
    hit = account_for_ip_at(ip=ip, at=datetime.fromisoformat(at).astimezone(UTC))
    return hit.account.account_id if hit.account else None


def test_a_routed_29_is_the_lines_for_the_span_of_its_session(tmp_path):
    output = _detail(
        tmp_path,
        START + "\tFramed-IP-Address = 61.114.9.1\n"
        '\tFramed-Route = "61.114.9.96/29 0.0.0.0 1"\n'
        '\tFramed-IPv6-Route = "2001:db8:77:100::/56 :: 1"\n'
        '\tAcct-Session-Id = "9F01"\n\tEvent-Timestamp = "Nov 20 2026 10:00:00 JST"\n\n'
        + STOP
        + "\tFramed-IP-Address = 61.114.9.1\n"
        '\tFramed-Route = "61.114.9.96/29 0.0.0.0 1"\n'
        '\tFramed-IPv6-Route = "2001:db8:77:100::/56 :: 1"\n'
        '\tAcct-Session-Id = "9F01"\n\tEvent-Timestamp = "Nov 20 2026 19:00:00 JST"\n',
    )
    assert output.err == ""
    routed = Session.objects.get(address="61.114.9.96/29")
    assert (routed.account.account_id, routed.radius_session_id) == ("C-2001", "9F01")
    assert routed.stopped_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    for ip in ("61.114.9.96", "61.114.9.99", "61.114.9.103", "2001:db8:77:100:1::25"):
        assert _holder(ip, "2026-11-20T12:00:00+09:00") == "C-2001", ip
    assert _holder("61.114.9.104", "2026-11-20T12:00:00+09:00") is None  # outside the /29
    assert _holder("61.114.9.99", "2026-11-20T19:00:00+09:00") is None  # after the Stop


def test_several_routes_in_one_record_and_the_netmask_form(tmp_path):
    _detail(
        tmp_path,
        START + "\tFramed-IP-Address = 61.114.9.1\n"
        '\tFramed-Route = "61.114.9.96/29 0.0.0.0 1"\n'
        '\tFramed-Route = "61.114.9.128 255.255.255.240 0.0.0.0 1"\n'
        '\tEvent-Timestamp = "Nov 20 2026 10:00:00 JST"\n',
    )
    assert set(Session.objects.values_list("address", flat=True)) == {
        "61.114.9.1", "61.114.9.96/29", "61.114.9.128/28",
    }  # fmt: skip
    assert _holder("61.114.9.140", "2026-11-20T12:00:00+09:00") == "C-2001"


def test_private_routes_and_routes_without_a_length_are_noted_not_recorded(tmp_path):
    output = _detail(
        tmp_path,
        START + "\tFramed-IP-Address = 61.114.9.1\n"
        '\tFramed-Route = "192.168.1.0/24 0.0.0.0 1"\n'
        '\tFramed-Route = "61.114.9.96 0.0.0.0 1"\n'
        '\tFramed-IPv6-Route = "fd00:1::/64 :: 1"\n'
        '\tEvent-Timestamp = "Nov 20 2026 10:00:00 JST"\n',
    )
    assert "route to 192.168.1.0/24 is not a public network" in output.err + output.out
    assert "route '61.114.9.96 0.0.0.0 1' gives no prefix length; not recorded" in output.err + output.out
    assert "route to fd00:1::/64 is not a public network" in output.err + output.out
    assert list(Session.objects.values_list("address", flat=True)) == ["61.114.9.1"]


# -- a Stop ends everything its accounting session held ---------------------------------
# A NAS repeats Framed-IP-Address in its Accounting-Stop but often not the Framed-Route /
# Framed-IPv6-Route of the Start, nor the delegated prefix: the Stop still ends them all.

SESSION_START = (
    START + "\tFramed-IP-Address = 61.114.9.1\n"
    "\tDelegated-IPv6-Prefix = 2001:db8:77:200::/56\n"
    '\tFramed-Route = "61.114.9.96/29 0.0.0.0 1"\n'
    '\tFramed-IPv6-Route = "2001:db8:77:100::/56 :: 1"\n'
    '\tAcct-Session-Id = "9F02"\n\tEvent-Timestamp = "Nov 20 2026 10:00:00 JST"\n'
)
BARE_STOP = (
    STOP + "\tFramed-IP-Address = 61.114.9.1\n"
    '\tAcct-Session-Id = "9F02"\n\tAcct-Session-Time = 32400\n'
    '\tEvent-Timestamp = "Nov 20 2026 19:00:00 JST"\n'
)
HELD = {"61.114.9.1", "2001:db8:77:200::/56", "61.114.9.96/29", "2001:db8:77:100::/56"}
STOPPED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # 19:00 JST


def _rows(session_id: str) -> dict[str, datetime | None]:
    return dict(Session.objects.filter(radius_session_id=session_id).values_list("address", "stopped_at"))


def test_a_stop_without_the_routes_ends_every_row_of_its_session(tmp_path):
    output = _detail(tmp_path, SESSION_START + "\n" + BARE_STOP)
    assert output.err == ""
    assert "read 2, created 1, updated 1, unchanged 0, rejected 0" in output.out
    assert _rows("9F02") == dict.fromkeys(HELD, STOPPED)
    for ip in ("61.114.9.99", "2001:db8:77:100::25", "2001:db8:77:200::1"):
        assert _holder(ip, "2026-11-20T18:59:59+09:00") == "C-2001", ip
        assert _holder(ip, "2026-11-20T19:00:00+09:00") is None, ip


def test_a_stop_in_a_later_file_ends_the_rows_of_a_start_from_an_earlier_one(tmp_path):
    (tmp_path / "day1").mkdir()
    _detail(tmp_path / "day1", SESSION_START)
    assert _rows("9F02") == dict.fromkeys(HELD)
    output = _detail(tmp_path, BARE_STOP)
    assert output.err == ""
    assert _rows("9F02") == dict.fromkeys(HELD, STOPPED)
    # The next holder of the routed /29 is named from its own Start, no one in between.
    _detail(
        tmp_path,
        'Sat Nov 21 09:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c1001@flets"\n'
        "\tFramed-IP-Address = 61.114.5.40\n"
        '\tFramed-Route = "61.114.9.96/29 0.0.0.0 1"\n'
        '\tAcct-Session-Id = "4D2A0100"\n\tEvent-Timestamp = "Nov 21 2026 09:00:00 JST"\n',
    )
    assert _holder("61.114.9.99", "2026-11-20T23:00:00+09:00") is None
    assert _holder("61.114.9.99", "2026-11-21T09:00:00+09:00") == "C-1001"


def test_a_stop_imported_twice_changes_nothing_the_second_time(tmp_path):
    _detail(tmp_path, SESSION_START + "\n" + BARE_STOP)
    (tmp_path / "again").mkdir()
    output = _detail(tmp_path / "again", BARE_STOP + "\n" + BARE_STOP)
    assert output.err == ""
    assert "read 2, created 0, updated 0, unchanged 2, rejected 0" in output.out
    assert _rows("9F02") == dict.fromkeys(HELD, STOPPED)


def test_an_interim_update_without_the_routes_leaves_them_open(tmp_path):
    """An Interim-Update reports the session's counters; leaving out a route says nothing
    about the route having gone (only a Stop ends what it does not name)."""
    _detail(
        tmp_path,
        SESSION_START + "\n"
        'Fri Nov 20 11:00:00 2026\n\tAcct-Status-Type = Interim-Update\n\tUser-Name = "c2001@biz"\n'
        "\tFramed-IP-Address = 61.114.9.1\n"
        '\tAcct-Session-Id = "9F02"\n\tAcct-Session-Time = 3600\n'
        '\tEvent-Timestamp = "Nov 20 2026 11:00:00 JST"\n',
    )
    assert _rows("9F02") == dict.fromkeys(HELD)
    assert _holder("61.114.9.99", "2026-11-20T20:00:00+09:00") == "C-2001"


def test_a_stop_ends_only_its_own_session_of_the_account(tmp_path):
    """Two sessions of one login at once (a second PPPoE session on the same line): the
    Stop of one leaves the other's routes open, and a NAS that reused a session id after
    a reboot does not end the older session that carried it before."""
    _detail(
        tmp_path,
        'Fri Nov 20 08:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c2001@biz"\n'
        "\tFramed-IP-Address = 61.114.9.2\n"
        '\tFramed-Route = "61.114.9.128/28 0.0.0.0 1"\n'
        '\tAcct-Session-Id = "9F01"\n\tEvent-Timestamp = "Nov 20 2026 08:00:00 JST"\n\n'
        'Thu Nov 19 08:00:00 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "c2001@biz"\n'
        "\tFramed-IP-Address = 61.114.9.3\n"
        '\tFramed-Route = "61.114.9.160/28 0.0.0.0 1"\n'
        '\tAcct-Session-Id = "9F02"\n\tEvent-Timestamp = "Nov 19 2026 08:00:00 JST"\n\n'
        + SESSION_START
        + "\n"
        + BARE_STOP,
    )
    assert _rows("9F01") == {"61.114.9.2": None, "61.114.9.128/28": None}
    assert _rows("9F02") == {"61.114.9.3": None, "61.114.9.160/28": None} | dict.fromkeys(HELD, STOPPED)


def test_a_stop_from_a_nas_without_session_ids_ends_the_rows_its_start_opened(tmp_path):
    def without_id(record: str) -> str:
        return "".join(line + "\n" for line in record.splitlines() if "Acct-Session-Id" not in line)

    output = _detail(tmp_path, without_id(SESSION_START) + "\n" + without_id(BARE_STOP))
    assert output.err == ""
    assert _rows("") == dict.fromkeys(HELD, STOPPED)
