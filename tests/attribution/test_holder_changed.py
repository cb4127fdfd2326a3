"""The inventory dates its present holders: a fixed line or a reseller's block given to
someone else after the spam, or a contract passed to another person (名義変更), names
nobody for a spam from before the change, and a step says why. Today's holder, who did
not hold the address or the account then, is never named."""

from datetime import timedelta

import pytest

from complaints.attribution.steps import step_sentence
from subscribers.services import account_upsert, block_upsert, subscriber_upsert
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import attributed, codes, direct, message

pytestmark = pytest.mark.django_db

AT = HANDOVER - timedelta(hours=2)


def _sentence(result: dict, code: str) -> str:
    return next(step_sentence(s) for s in result["steps"] if s["code"] == code)


@pytest.fixture
def moved_line(isp):
    """203.0.113.40 was C-4's fixed line (no session log for it); it is C-3's now."""
    account_upsert(account_id="C-4", subscriber_id="S-4", kind="connection", identifier="c4@isp")
    block_upsert(prefix="203.0.113.40/32", kind="static", account_id="C-4")
    block_upsert(prefix="203.0.113.40/32", kind="static", account_id="C-3")


def test_a_fixed_line_given_to_another_customer_after_the_spam_names_nobody(moved_line):
    result = attributed(message([direct("203.0.113.40", AT)]))
    assert result["roles"] == ["sending"]
    assert (result["accounts"], result["subscribers"]) == ([], [])
    assert "block_holder_changed_after_spam" in codes(result)
    assert "assigned to C-3 only since" in _sentence(result, "block_holder_changed_after_spam")
    assert "nobody is named" in _sentence(result, "block_holder_changed_after_spam")


def test_a_fixed_line_names_its_holder_for_a_spam_after_the_move(isp):
    account_upsert(account_id="C-4", subscriber_id="S-4", kind="connection", identifier="c4@isp")
    block_upsert(prefix="203.0.113.40/32", kind="static", account_id="C-4")
    block_upsert(prefix="203.0.113.40/32", kind="static", account_id="C-3", holder_since=AT - timedelta(days=3))
    result = attributed(message([direct("203.0.113.40", AT)]))
    assert result["accounts"] == ["C-3"], codes(result)
    assert "block_holder_changed_after_spam" not in codes(result)


def test_a_line_without_a_date_still_names_its_holder(isp):
    """Rows from before dates were kept: no date known, as the desk always read them."""
    result = attributed(message([direct("203.0.113.5", AT)]))
    assert result["accounts"] == ["C-3"], codes(result)


def test_a_hosting_address_given_to_another_account_after_the_spam_names_nobody(isp):
    account_upsert(account_id="H-2", subscriber_id="S-5", kind="hosting", identifier="vps.example.jp")
    block_upsert(prefix="203.0.113.70/32", kind="hosting", account_id="H-1")
    block_upsert(prefix="203.0.113.70/32", kind="hosting", account_id="H-2")
    result = attributed(message([direct("203.0.113.70", AT)]))
    assert result["accounts"] == [], codes(result)
    assert "block_holder_changed_after_spam" in codes(result)


def test_a_sub_allocation_moved_to_another_reseller_after_the_spam_names_neither(isp):
    subscriber_upsert(subscriber_id="S-8", name="Reseller Two", kind="business")
    block_upsert(
        prefix="203.0.113.192/27", kind="sub_allocation", sub_allocated_to="S-8", abuse_contact="abuse@two.example"
    )
    result = attributed(message([direct("203.0.113.200", AT)]))
    assert result["sub_allocation"] is None, codes(result)
    assert result["accounts"] == [] and result["roles"] == ["sending"]
    assert "sub_allocated" not in codes(result)
    assert "assigned to S-8 only since" in _sentence(result, "block_holder_changed_after_spam")


def test_a_transit_network_moved_to_another_customer_after_the_spam_names_neither(isp):
    subscriber_upsert(subscriber_id="S-8", name="Carrier Two", kind="business")
    block_upsert(prefix="198.18.0.0/15", kind="transit", sub_allocated_to="S-8", abuse_contact="noc@two.example")
    result = attributed(message([direct("198.18.3.4", AT)]))
    assert result["roles"] == ["upstream"]
    assert result["sub_allocation"] is None, codes(result)
    assert "block_holder_changed_after_spam" in codes(result)


def test_a_connection_passed_to_another_person_after_the_spam_names_neither(isp):
    """名義変更: C-1 with its line and its session log passes from S-1 to S-5."""
    account_upsert(account_id="C-1", subscriber_id="S-5", kind="connection", identifier="c1@isp")
    result = attributed(message([direct("198.51.100.23", HANDOVER - timedelta(minutes=10))]))
    assert (result["accounts"], result["subscribers"]) == ([], []), codes(result)
    assert "C-1 passed to its present subscriber" in _sentence(result, "account_holder_changed_after_spam")
    # The session log's record stands: the step says whose line it was, not whose it is.
    assert "dynamic_session" in codes(result)


def test_a_connection_passed_on_before_the_spam_names_the_present_holder(isp):
    account_upsert(
        account_id="C-1", subscriber_id="S-5", kind="connection", identifier="c1@isp",
        subscriber_since=HANDOVER - timedelta(hours=3),
    )  # fmt: skip
    result = attributed(message([direct("198.51.100.23", HANDOVER - timedelta(minutes=10))]))
    assert (result["accounts"], result["subscribers"]) == (["C-1"], ["S-5"]), codes(result)


def test_a_mail_account_passed_to_another_person_after_the_spam_is_not_named(isp):
    account_upsert(account_id="M-1", subscriber_id="S-5", kind="mail", identifier="taro")
    at = HANDOVER - timedelta(minutes=30)
    stamp = f"{at:%a, %d %b %Y %H:%M:%S +0000}"
    result = attributed(
        message(
            [
                f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {stamp}",
                f"from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 4F2A1C3D; {stamp}",
            ],
            msgid="<run-1@pc.invalid>",
        )
    )
    assert result["sending_method"] == "contracted_isp_server"
    # Whose the mail account was then is not known, nor whether the line it came from
    # (C-1, S-1's) was that person's: neither is named, and no other customer is blamed.
    assert (result["accounts"], result["subscribers"]) == ([], []), codes(result)
    assert "account_holder_changed_after_spam" in codes(result)
    assert "client_line_of_another_customer" not in codes(result)
