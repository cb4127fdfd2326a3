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
