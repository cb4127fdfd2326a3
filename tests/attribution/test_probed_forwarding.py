"""Our servers forwarding mail they took for a domain of ours, found mishandled by
probing (session 33). A domain our hosting customer holds is one our servers take mail
for, as much as our own; a Postfix line written for several recipients has no "for"
clause, and then the delivery headers our delivery agent added name the mailbox. Each
was recorded as relaying for outsiders (against our own server) or, on a hosting
server, as an open relay, and the report could not be forwarded to the origin's network."""

import pytest

from subscribers.services import account_upsert, subscriber_upsert
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_inside import T
from tests.attribution.test_probed_sending import filed, spam, utc
from tests.attribution.test_rules import codes
from tests.personas import token_client

pytestmark = pytest.mark.django_db
SPAMMER = "45.33.12.34"


@pytest.fixture
def bakery(isp):
    subscriber_upsert(subscriber_id="S-7", name="Bakery", email="c7@mail.example.jp")
    account_upsert(account_id="H-3", subscriber_id="S-7", kind="hosting", identifier="bakery-kobe.com,www.bakery-kobe.com")  # fmt: skip


def _our_mx_forwarding(for_clause: str, delivery_header: str = "") -> bytes:
    """Our delivery agent's header stands above our MX's line, as Postfix's local delivery writes it."""
    top = f"from mx1.isp.example.jp (mx1.isp.example.jp [192.0.2.6]) by mx.google.com with ESMTPS id G1 for <owner@gmail.com>; {utc(T)}"  # noqa: E501
    head = f"Received: {top}\r\n{delivery_header}\r\n".encode() if delivery_header else b""
    return head + spam([
        *([] if delivery_header else [top]),
        f"from bulk.spammer.example (host1.bulk-hoster.example [{SPAMMER}]) by mx1.isp.example.jp (Postfix) with ESMTPS id F3{for_clause}; {utc(T)}",  # noqa: E501
    ])  # fmt: skip


def test_our_mx_forwarding_for_a_domain_our_hosting_customer_holds_is_no_relay(file, bakery):  # noqa: F811
    a, _case = filed(file, _our_mx_forwarding(" for <info@bakery-kobe.com>"))
    assert a["roles"] == ["not_ours"], codes(a)
    assert "forwarded_for_our_mailbox" in codes(a) and "relay_without_login" not in codes(a)
    assert a["accounts"] == []


def test_our_mx_forwarding_for_a_foreign_domain_is_still_relaying_for_outsiders(file, bakery):  # noqa: F811
    a, _case = filed(file, _our_mx_forwarding(" for <info@elsewhere.example>"))
    assert "relay_without_login" in codes(a) and "forwarded_for_our_mailbox" not in codes(a)


@pytest.mark.parametrize("header", ["Delivered-To: hanako@isp.example.jp", "X-Original-To: info@bakery-kobe.com"])
def test_a_line_without_a_for_clause_takes_the_mailbox_from_the_delivery_headers(file, bakery, header, staff_token):  # noqa: F811, E501
    a, case = filed(file, _our_mx_forwarding("", header))
    assert "forwarded_for_our_mailbox" in codes(a) and "relay" not in a["roles"], codes(a)
    # The case is no case of ours: its report goes to the origin's network.
    answer = token_client(staff_token).post(
        f"/api/v1/cases/{case['id']}/forward/",
        {"format": "arf", "to": "abuse@bulk-hoster.example"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content


def test_a_hosting_servers_forwarder_for_a_hosted_domain_is_no_open_relay(file, bakery):  # noqa: F811
    """cPanel's forwarder for info@bakery-kobe.com on our shared server sends the spam on to Gmail."""
    lines = [
        f"from web3.hosting.isp.example.jp (web3.hosting.isp.example.jp [203.0.113.70]) by mx.google.com with ESMTPS id G1 for <owner@gmail.com>; {utc(T)}",  # noqa: E501
        f"from [{SPAMMER}] (port=51234 helo=xkqzvbtrwp) by web3.hosting.isp.example.jp with esmtp (Exim 4.96) (envelope-from <sale@spammer.example>) id 1tXfw3-000AbC-1A for info@bakery-kobe.com; {utc(T)}",  # noqa: E501
    ]
    a, _case = filed(file, spam(lines))
    assert a["compromise"] == [] and "open_relay" not in codes(a), codes(a)
