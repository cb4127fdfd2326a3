"""ISP network cases found mishandled by probing (session 32): an address plan without
dates against a dated session log, and a shared address's port holder on a time the
desk cannot trust. Each one named the wrong customer."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from complaints.models import Evidence
from subscribers.models import Account
from subscribers.services import account_upsert, block_upsert, session_record, subscriber_upsert
from subscribers.services.natlog import nat_block_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_sending import filed, spam, utc
from tests.attribution.test_rules import attributed, codes, direct, message

pytestmark = pytest.mark.django_db
SHARED = "203.0.113.130"


def test_a_line_made_static_after_the_spam_is_not_blamed_on_its_new_holder(file):  # noqa: F811
    """In July 198.51.100.200 was C-1's lease (the session log says so); in December it
    became C-3's static line. The July spam named C-3: the address plan has no dates."""
    session_record(account=Account.objects.get(account_id="C-1"), ip="198.51.100.200",
                   started_at=datetime(2026, 7, 1, tzinfo=UTC), stopped_at=datetime(2026, 7, 10, tzinfo=UTC))  # fmt: skip
    block_upsert(prefix="198.51.100.200/32", kind="static", account_id="C-3")
    july = datetime(2026, 7, 3, 2, 15, tzinfo=UTC)
    line = f"from pc (unknown [198.51.100.200]) by mx.receiver.example (Postfix) with ESMTP id 4S; {format_datetime(july)}"
    a, _case = filed(file, spam([line]))
    assert a["accounts"] == ["C-1"], codes(a)
    # After the carve-out, the static line's holder, as before.
    december = f"from pc (unknown [198.51.100.200]) by mx.receiver.example (Postfix) with ESMTP id 4T; {format_datetime(HANDOVER)}"
    a, _case = filed(file, spam([december]))
    assert a["accounts"] == ["C-3"], codes(a)


@pytest.fixture
def port_block_moved(isp):
    """The shared address's ports 50176-51199 were C-1's until HANDOVER, then C-3's."""
    block_upsert(prefix="203.0.113.128/28", kind="shared")
    c1, c3 = Account.objects.get(account_id="C-1"), Account.objects.get(account_id="C-3")
    nat_block_record(account=c1, address=SHARED, port_start=50176, port_end=51199,
                     started_at=HANDOVER - timedelta(hours=5), stopped_at=HANDOVER)  # fmt: skip
    nat_block_record(account=c3, address=SHARED, port_start=50176, port_end=51199, started_at=HANDOVER)


def _arf(port: int, *, arrival: str | None) -> bytes:
    arrival_line = f"Arrival-Date: {arrival}\r\n" if arrival else ""
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: FBL report\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\nSource-IP: {SHARED}\r\nSource-Port: {port}\r\n"
        f"{arrival_line}\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@x.example\r\nSubject: Offer\r\nDate: {format_datetime(HANDOVER + timedelta(minutes=30))}\r\n\r\n--b--\r\n"
    ).encode()


def test_a_port_holder_is_not_named_on_the_senders_own_clock_near_a_move(file, port_block_moved):  # noqa: F811
    """No Arrival-Date: the only time is the Date the spammer wrote, half an hour after
    the port block moved. C-3 was named, as a dynamic address's holder never is."""
    report, _case = file(_arf(50200, arrival=None), reporter="email:fbl@receiver.example")
    assert report["attribution"]["accounts"] == [], codes(report["attribution"])
    assert "holder_needs_a_trusted_time" in codes(report["attribution"])


def test_a_port_holder_is_named_on_the_receivers_time(file, port_block_moved):  # noqa: F811
    report, _case = file(
        _arf(50200, arrival=format_datetime(HANDOVER + timedelta(minutes=30))), reporter="email:fbl@receiver.example"
    )
    assert report["attribution"]["accounts"] == ["C-3"], codes(report["attribution"])


def test_a_port_held_all_day_is_named_even_on_the_senders_clock(file, port_block_moved):  # noqa: F811
    """C-2's ports never moved: one allocation held them across the whole span."""
    c2 = Account.objects.get(account_id="C-2")
    nat_block_record(account=c2, address=SHARED, port_start=51200, port_end=52223, started_at=HANDOVER - timedelta(days=3))
    report, _case = file(_arf(51300, arrival=None), reporter="email:fbl@receiver.example")
    assert report["attribution"]["accounts"] == ["C-2"], codes(report["attribution"])


def _resolved(host: str, ip: str, at) -> None:
    Evidence.objects.create(
        asked_at=at, subject=host, kind="a", query_name=host, query_type="A", server="127.0.0.1:53",
        outcome="answer", answer=[ip], digest=f"{host}{ip}".ljust(64, "0")[:64],
    )  # fmt: skip


def test_a_site_on_a_customers_dynamic_home_server_is_ours(isp):
    """The advertised site's name points into our dynamic pool: the holder of that
    address when the desk asked the DNS runs it. It was "nothing of ours"."""
    _resolved("home-shop.example.org", "198.51.100.23", HANDOVER + timedelta(minutes=30))
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://home-shop.example.org/buy"))
    assert result["roles"] == ["hosting"] and result["accounts"] == ["C-2"], codes(result)
    assert "self_hosted_on_dynamic_line" in codes(result)


def test_a_site_pointing_into_our_pool_where_no_session_was_is_not_blamed(isp):
    _resolved("gone.example.org", "198.51.100.99", HANDOVER)
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://gone.example.org/"))
    assert result["accounts"] == [], codes(result)


def test_an_address_in_no_block_with_a_confirmed_name_of_ours_is_ours_with_no_holder(isp):
    """198.51.101.7 is in no block (a gap in the address plan) but the receiver confirmed
    its name p7-dyn.isp.example.jp: it was "another network's", to be forwarded to the
    abuse@ its name gave (our own, under a real domain)."""
    line = direct("198.51.101.7", HANDOVER, helo="pc", rdns="p7-dyn.isp.example.jp")
    result = attributed(message([line]))
    assert result["roles"] == ["sending"] and result["accounts"] == [], codes(result)
    assert "reverse_name_is_ours" in codes(result)
    assert not result["abuse_contact"]


def test_a_reverse_name_of_ours_the_receiver_did_not_confirm_is_anyones(isp):
    """Anyone may set a reverse name under our domain; unconfirmed, it proves nothing."""
    line = (
        "from pc (p7-dyn.isp.example.jp [198.51.101.7] (may be forged)) by mx.receiver.example (8.15.2/8.15.2) "
        f"with ESMTP id 5AK; {HANDOVER:%a, %d %b %Y %H:%M:%S +0000}"
    )
    result = attributed(message([line]))
    assert "not_ours" in result["roles"], codes(result)
    assert "reverse_name_is_ours" not in codes(result)


@pytest.fixture
def bakery(isp):
    subscriber_upsert(subscriber_id="S-7", name="Bakery", email="c7@mail.example.jp")
    account_upsert(account_id="H-3", subscriber_id="S-7", kind="hosting", identifier="bakery.example.com,www.bakery.example.com")


def _hosting_via_smarthost(login: str) -> list[str]:
    at = utc(HANDOVER + timedelta(minutes=5))
    return [
        f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example (Postfix) with ESMTPS id 5H0; {at}",
        f"from web3.hosting.isp.example.jp (web3.hosting.isp.example.jp [203.0.113.70]) (Authenticated sender: {login}) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 5H2; {at}",
        "X-PHP-Originating-Script: 1003:wso.php",
        "X-PHP-Script: www.bakery.example.com/wp-content/uploads/2026/11/wso.php for 192.0.2.230",
    ]  # fmt: skip


def test_a_hacked_site_relaying_with_its_own_mailbox_login_names_the_site(file, bakery):  # noqa: F811
    """A script planted in the site's uploads mailed through our smarthost with the
    site's cPanel mailbox login (no mail account of ours): "login not in inventory",
    nobody named, L0. The stamps name the same site as the login: rule 7."""
    a, case = filed(file, spam(_hosting_via_smarthost("info@bakery.example.com")))
    assert a["accounts"] == ["H-3"], codes(a)
    assert case["recommendation"]["rule"] == "7"


def test_stamps_naming_another_site_than_the_login_name_nobody(file, bakery):  # noqa: F811
    a, _case = filed(file, spam(_hosting_via_smarthost("sales@elsewhere.example.net")))
    assert a["accounts"] == [], codes(a)


def test_the_home_servers_session_is_among_the_records_used(isp):
    _resolved("home-shop.example.org", "198.51.100.23", HANDOVER + timedelta(minutes=30))
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://home-shop.example.org/buy"))
    assert any(r["type"] == "session" for r in result["records"]), result["records"]
