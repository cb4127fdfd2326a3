"""block_for, account_for_ip_at, is_own_mail_server, hosting_account_for_host on the sample ISP."""

from datetime import UTC, datetime

import pytest

from subscribers.models import Account
from subscribers.selectors import account_for_ip_at, block_for, hosting_account_for_host, is_own_mail_server
from subscribers.services import session_record

AT = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


@pytest.fixture
def online(inventory):
    """C-1001 holds 61.114.5.23 and the delegated 2001:db8:1200::/56 since 00:00Z."""
    account = Account.objects.get(account_id="C-1001")
    start = datetime(2026, 11, 20, tzinfo=UTC)
    session_record(account=account, ip="61.114.5.23", started_at=start)
    session_record(account=account, ip="2001:db8:1200::/56", started_at=start)
    return account


def test_the_most_specific_block_wins(inventory):
    assert block_for(ip="203.0.113.80").prefix == "203.0.113.80/32"
    assert block_for(ip="203.0.113.81").prefix == "203.0.113.0/24"
    assert block_for(ip="198.51.100.66").prefix == "198.51.100.64/29"
    assert block_for(ip="2001:db8:ff00:1::1").prefix == "2001:db8:ff00::/40"
    assert block_for(ip="2001:db8:1200::1").prefix == "2001:db8::/32"


def test_an_address_outside_our_blocks_has_no_block(inventory):
    assert block_for(ip="8.8.8.8") is None
    assert block_for(ip="2001:db9::1") is None


def test_a_dynamic_address_is_attributed_to_the_session_holder(online):
    hit = account_for_ip_at(ip="61.114.5.23", at=AT)
    assert (hit.reason, hit.account, hit.block.prefix) == ("dynamic_session", online, "61.114.0.0/16")
    assert hit.session.address == "61.114.5.23"
    assert hit.subscriber.subscriber_id == "S-1001"


def test_an_address_in_a_delegated_prefix_is_attributed_to_the_prefix_holder(online):
    hit = account_for_ip_at(ip="2001:db8:1200:7::25", at=AT)
    assert (hit.reason, hit.account) == ("dynamic_session", online)


def test_a_dynamic_address_nobody_held_has_no_session(online):
    hit = account_for_ip_at(ip="61.114.5.99", at=AT)
    assert (hit.reason, hit.account, hit.session) == ("no_session", None, None)


def test_a_static_block_names_its_connection_account(inventory):
    hit = account_for_ip_at(ip="198.51.100.66", at=AT)
    assert (hit.reason, hit.account.account_id) == ("static_block", "C-2001")


def test_a_sub_allocation_names_the_holder_but_no_account(inventory):
    hit = account_for_ip_at(ip="203.0.113.200", at=AT)
    assert (hit.reason, hit.account) == ("sub_allocation", None)
    assert hit.subscriber.subscriber_id == "S-2002"
    assert hit.block.abuse_contact == "abuse@minato-giken.example.jp"


@pytest.mark.parametrize(
    "ip, reason, account_id",
    [
        ("203.0.113.80", "hosting_block", "H-2001"),
        ("203.0.113.81", "hosting_block", None),
        ("192.0.2.5", "mail_servers", None),
        ("2001:db8:ffff:25::5", "mail_servers", None),
        ("192.0.2.17", "infrastructure", None),
        ("8.8.8.8", "not_ours", None),
    ],
)
def test_other_blocks_give_their_reason(inventory, ip, reason, account_id):
    hit = account_for_ip_at(ip=ip, at=AT)
    assert hit.reason == reason
    assert (hit.account.account_id if hit.account else None) == account_id


def test_own_mail_servers_are_recognised(inventory):
    assert is_own_mail_server("192.0.2.5")
    assert is_own_mail_server(ip="2001:db8:ffff:25::25")
    assert not is_own_mail_server("192.0.2.17")
    assert not is_own_mail_server("61.114.5.23")


@pytest.mark.parametrize(
    "host, account_id",
    [
        ("sample-shoji.example.jp", "H-2001"),
        ("SHOP.Sample-Shoji.example.jp.", "H-2001"),
        ("www.sample-shoji.example.jp", "H-2001"),
        ("203.0.113.80", "H-2001"),
        ("example.jp", None),
        ("other.example", None),
    ],
)
def test_hosting_account_is_found_by_name_or_parent_domain(inventory, host, account_id):
    account = hosting_account_for_host(host=host)
    assert (account.account_id if account else None) == account_id


def test_the_nearest_parent_domain_wins(inventory):
    from subscribers.services import account_upsert

    account_upsert(
        account_id="H-2002", subscriber_id="S-2002", kind="hosting", identifier="shop.example.co.jp"
    )
    account_upsert(account_id="H-2003", subscriber_id="S-1002", kind="hosting", identifier="example.co.jp")
    assert hosting_account_for_host(host="a.shop.example.co.jp").account_id == "H-2002"
    assert hosting_account_for_host(host="b.example.co.jp").account_id == "H-2003"


def test_many_hosts_are_looked_up_in_one_query_with_the_answers_of_one_by_one(
    inventory, django_assert_num_queries
):
    from subscribers.selectors import hosting_accounts_for_hosts
    from subscribers.services import account_upsert

    account_upsert(
        account_id="H-2002", subscriber_id="S-2002", kind="hosting", identifier="shop.example.co.jp"
    )
    account_upsert(account_id="H-2003", subscriber_id="S-1002", kind="hosting", identifier="example.co.jp")
    hosts = [
        "a.shop.example.co.jp", "b.example.co.jp", "SHOP.Sample-Shoji.example.jp.", "203.0.113.80",
        "example.jp", "other.example", "", "bad..name",
    ]  # fmt: skip
    one_by_one = {host: hosting_account_for_host(host=host) for host in hosts}
    with django_assert_num_queries(1):
        found = hosting_accounts_for_hosts(hosts)
        # The subscriber comes with the account (the derived facts name it).
        assert {host: account.subscriber.subscriber_id for host, account in found.items()}
    assert {h: a.account_id for h, a in found.items()} == {
        h: a.account_id for h, a in one_by_one.items() if a is not None
    }
    assert {h: a.account_id for h, a in found.items()} == {
        "a.shop.example.co.jp": "H-2002",
        "b.example.co.jp": "H-2003",
        "SHOP.Sample-Shoji.example.jp.": "H-2001",
        "203.0.113.80": "H-2001",
    }
    with django_assert_num_queries(0):
        assert hosting_accounts_for_hosts([]) == {}


def test_block_for_reads_the_block_its_account_and_holders_in_one_statement(inventory, django_assert_num_queries):
    import ipaddress

    from subscribers.models import AddressBlock

    blocks = list(AddressBlock.objects.select_related("account__subscriber", "sub_allocated_to"))
    assert any(b.account_id for b in blocks) and any(b.sub_allocated_to_id for b in blocks)
    for expected in blocks:
        ip = str(ipaddress.ip_network(expected.prefix)[-1])
        wanted = (
            AddressBlock.objects.filter(start_key__lte=expected.end_key, end_key__gte=expected.end_key)
            .order_by("-prefix_len")
            .first()
        )
        with django_assert_num_queries(1):
            block = block_for(ip=ip)
            holder = block.account.subscriber if block.account else None
            sub_holder = block.sub_allocated_to
        assert block.pk == wanted.pk
        assert (block.prefix, block.kind, block.start_key, block.end_key) == (
            wanted.prefix, wanted.kind, wanted.start_key, wanted.end_key,
        )  # fmt: skip
        assert (holder.subscriber_id if holder else None) == (
            wanted.account.subscriber.subscriber_id if wanted.account else None
        )
        assert (sub_holder.pk if sub_holder else None) == wanted.sub_allocated_to_id
        assert block.updated_at == wanted.updated_at
