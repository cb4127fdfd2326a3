"""ISP-side cases found by probing the inventory (session 34): an address of ours missing
from the plan but registered to us, and a change of hands seconds from the instant on
the path where our customer's address is read from another provider's own line."""

from datetime import timedelta

import pytest

from complaints.models import NetworkContact
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import attributed, codes, direct, message

pytestmark = pytest.mark.django_db

AT = HANDOVER + timedelta(hours=1)


def _registry(prefix: str, email: str) -> None:
    contact = NetworkContact(name="registry import", prefix=prefix, abuse_email=email)
    contact.clean()
    contact.save()


def test_an_address_registered_to_us_but_missing_from_the_plan_is_ours(isp):
    """The complaint must not be forwarded "to the origin's network": that is our own
    abuse desk. The address is ours; nobody can be named until the plan says who."""
    _registry("203.0.113.0/24", "abuse@isp.example.jp")
    a = attributed(message([direct("203.0.113.10", AT)]))
    assert a["roles"] == ["sending"], codes(a)
    assert "registry_says_ours" in codes(a)
    assert a["accounts"] == []
    assert (a.get("abuse_contact") or {}).get("email") != "abuse@isp.example.jp"


def test_an_address_registered_to_another_network_is_still_theirs(isp):
    _registry("203.0.113.0/24", "abuse@other-network.example")
    a = attributed(message([direct("203.0.113.10", AT)]))
    assert a["roles"] == ["not_ours"], codes(a)
    assert a["abuse_contact"]["email"] == "abuse@other-network.example"


def _via_other_provider(at):
    stamp = f"{at:%a, %d %b %Y %H:%M:%S +0000}"
    return message([
        "from out01.other-isp.example (out01.other-isp.example [192.0.2.19]) by mx.receiver.example "
        f"(Postfix) with ESMTPS id 16A; {stamp}",
        "from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) (Authenticated sender: "
        f"bulk@other-isp.example) by submit.other-isp.example (Postfix) with ESMTPSA id 16B; {stamp}",
    ])  # fmt: skip


def test_another_providers_line_seconds_before_a_handover_names_nobody(isp):
    a = attributed(_via_other_provider(HANDOVER - timedelta(seconds=2)))
    assert a["sending_method"] == "other_isp_server", codes(a)
    assert a["accounts"] == [], codes(a)
    assert "holder_at_a_handover" in codes(a)


def test_another_providers_line_clear_of_the_handover_names_the_holder(isp):
    a = attributed(_via_other_provider(HANDOVER - timedelta(minutes=2)))
    assert a["accounts"] == ["C-1"], codes(a)


def test_a_report_seconds_from_a_handover_joins_neither_holders_case(isp):
    """Grouping follows the attribution: a report that names nobody is not counted in
    the new holder's session case (its evidence), but in the address's own case."""
    after = attributed(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5))]))
    near = attributed(message([direct("198.51.100.23", HANDOVER + timedelta(seconds=3))], msgid="<near@x>"))
    assert after["accounts"] == ["C-2"] and near["accounts"] == []
    from complaints.models import Report

    keys = [r.case.key for r in Report.objects.order_by("pk")]
    assert keys[0].startswith("session:") and keys[1] == "ip:198.51.100.23", keys


def test_nested_sessions_of_two_accounts_name_nobody_and_say_why(isp):
    """C-2's /64 whose Stop was lost is still open inside the /56 C-3 holds now: the log
    does not tell which of them used an address of the /64."""
    from subscribers.models import Account
    from subscribers.services import session_record

    c2, c3 = Account.objects.get(account_id="C-2"), Account.objects.get(account_id="C-3")
    session_record(account=c2, ip="2001:db8:7000:100::/64", started_at=HANDOVER - timedelta(days=300))
    session_record(account=c3, ip="2001:db8:7000:100::/56", started_at=HANDOVER - timedelta(days=2))
    a = attributed(message([direct("2001:db8:7000:100::42", AT)]))
    assert a["accounts"] == [], codes(a)
    assert "nested_sessions" in codes(a)
