"""Shared IPv4: shared blocks in the inventory, import_natlog (CSV and NAT syslog), the
MAP-E mapping against RFC 7597's worked examples, and who held (address, port) when."""

from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Network

import pytest
from django.core.management.base import CommandError

from subscribers.mape import MapRule, MapRuleError
from subscribers.models import AddressBlock, NatPortBlock
from subscribers.selectors import block_for, nat_block_at, shared_address_at
from subscribers.services import (
    InventoryError,
    account_upsert,
    block_upsert,
    session_record,
    subscriber_upsert,
)
from tests.subscribers.commands import run_command

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
CSV_HEADER = "address,port_start,port_end,start,stop,account_id\n"


# -- RFC 7597 Appendix A ---------------------------------------------------------------

RULE = MapRule(IPv4Network("192.0.2.0/24"), IPv6Network("2001:db8::/40"), ea_bits=16)


def test_rfc7597_example_1_end_user_prefix_to_ipv4_address_and_psid():
    # Example 1: BMR 2001:db8::/40, 192.0.2.0/24, EA-bits 16, PSID offset 6 (default);
    # end-user prefix 2001:db8:0012:3400::/56 → 192.0.2.18, PSID 0x34, sharing ratio 256.
    assert RULE.psid_offset == 6 and RULE.psid_bits == 8
    assert RULE.ce_from_prefix(IPv6Network("2001:db8:0012:3400::/56")) == (IPv4Address("192.0.2.18"), 0x34)
    assert RULE.ce_address(IPv4Address("192.0.2.18"), 0x34) == "2001:db8:12:3400:0:c000:212:34"
    # Its port set: 1232-1235, 2256-2259, …, 63696-63699, 64720-64723 (63 ranges of 4).
    sets = RULE.port_sets(0x34)
    assert sets[:2] == [(1232, 1235), (2256, 2259)]
    assert sets[-2:] == [(63696, 63699), (64720, 64723)] and len(sets) == 63


def test_rfc7597_example_2_ipv4_address_and_port_to_end_user_prefix():
    # Example 2 (BR): 192.0.2.18 port 1232 → PSID 0x34, EA bits 0x1234, 2001:db8:0012:3400::/56.
    assert RULE.psid(1232) == 0x34
    assert RULE.end_user_prefix(IPv4Address("192.0.2.18"), 1232) == IPv6Network("2001:db8:12:3400::/56")
    for port in (1235, 2256, 64723):  # every port of the set maps to the same CE
        assert RULE.end_user_prefix(IPv4Address("192.0.2.18"), port) == IPv6Network("2001:db8:12:3400::/56")
    assert RULE.end_user_prefix(IPv4Address("192.0.2.18"), 1236) == IPv6Network("2001:db8:12:3500::/56")


def test_rfc7597_example_4_a_full_ipv4_address_is_not_shared():
    # Example 4: rule IPv4 prefix 192.0.2.18/32, EA-bits 0: no port bits, one CE owns every port.
    rule = MapRule(IPv4Network("192.0.2.18/32"), IPv6Network("2001:db8:0012:3400::/56"), ea_bits=0)
    assert rule.psid_bits == 0 and rule.psid(1232) == 0
    assert rule.end_user_prefix(IPv4Address("192.0.2.18"), 40000) == IPv6Network("2001:db8:12:3400::/56")
    assert rule.ce_address(IPv4Address("192.0.2.18"), 0) == "2001:db8:12:3400:0:c000:212:0"


def test_the_system_ports_belong_to_no_port_set_and_bad_rules_say_why():
    assert RULE.psid(80) is None and RULE.psid(1023) is None and RULE.psid(1024) == 0
    with pytest.raises(MapRuleError, match="shorter than the IPv4 suffix"):
        MapRule(IPv4Network("192.0.2.0/24"), IPv6Network("2001:db8::/40"), ea_bits=4)
    with pytest.raises(MapRuleError, match="exceed the 16 bits"):
        MapRule(IPv4Network("192.0.2.0/24"), IPv6Network("2001:db8::/40"), ea_bits=24, psid_offset=12)
    with pytest.raises(MapRuleError, match="longer than /64"):
        MapRule(IPv4Network("192.0.2.0/24"), IPv6Network("2001:db8::/56"), ea_bits=16)


# -- the inventory -----------------------------------------------------------------------


@pytest.fixture
def shared(db):
    for n in (1, 2, 3):
        subscriber_upsert(subscriber_id=f"S-{n}", name=f"Customer {n}")
        account_upsert(account_id=f"C-{n}", subscriber_id=f"S-{n}", kind="connection", identifier=f"c{n}@isp")
    account_upsert(account_id="M-1", subscriber_id="S-1", kind="mail", identifier="taro")
    block_upsert(prefix="100.64.0.0/10", kind="dynamic")  # the CGN's inside addresses
    block_upsert(prefix="2001:db8::/32", kind="dynamic")  # delegated IPv6 prefixes
    block_upsert(prefix="198.51.100.0/28", kind="shared")  # a CGN pool with port-block logs
    block_upsert(prefix="192.0.2.0/24", kind="shared", map_rule_ipv6="2001:db8::/40", map_ea_bits=16)
    return T0


def test_a_shared_block_has_a_mape_rule_or_nat_logs_and_only_shared_blocks_have_rules(shared):
    mape = AddressBlock.objects.get(prefix="192.0.2.0/24")
    assert (mape.kind, mape.map_rule_ipv6, mape.map_ea_bits, mape.map_psid_offset) == (
        "shared",
        "2001:db8::/40",
        16,
        6,  # RFC 7597's default PSID offset
    )
    cgn = AddressBlock.objects.get(prefix="198.51.100.0/28")
    assert (cgn.kind, cgn.map_rule_ipv6, cgn.map_ea_bits) == ("shared", "", None)
    with pytest.raises(InventoryError, match="only for shared blocks"):
        block_upsert(prefix="203.0.113.0/24", kind="dynamic", map_rule_ipv6="2001:db8::/40", map_ea_bits=16)
    with pytest.raises(InventoryError, match="shared block is IPv4"):
        block_upsert(prefix="2001:db8:ff00::/40", kind="shared")
    with pytest.raises(InventoryError, match="shorter than the IPv4 suffix"):
        block_upsert(prefix="203.0.113.0/24", kind="shared", map_rule_ipv6="2001:db8::/40", map_ea_bits=4)
    with pytest.raises(InventoryError, match="needs the rule IPv6 prefix"):
        block_upsert(prefix="203.0.113.0/24", kind="shared", map_ea_bits=16)
    assert not AddressBlock.objects.filter(prefix__in=["203.0.113.0/24", "2001:db8:ff00::/40"]).exists()


def test_mape_maps_address_and_port_through_the_session_log_to_the_account(shared):
    c2 = session_record(
        account=account(2), ip="2001:db8:12:3400::/56", started_at=T0, stopped_at=T0 + timedelta(hours=5)
    ).session
    session_record(account=account(3), ip="2001:db8:12:3400::/56", started_at=T0 + timedelta(hours=5))
    block = block_for(ip="192.0.2.18")
    hit = shared_address_at(block=block, ip="192.0.2.18", port=1232, at=T0 + timedelta(hours=1))
    assert (hit.account.account_id, hit.how, hit.ipv6_prefix, hit.psid, hit.session) == (
        "C-2",
        "map_e",
        "2001:db8:12:3400::/56",
        0x34,
        c2,
    )
    later = shared_address_at(block=block, ip="192.0.2.18", port=64722, at=T0 + timedelta(hours=6))
    assert later.account.account_id == "C-3"  # the prefix changed hands; the port set with it
    nobody = shared_address_at(block=block, ip="192.0.2.18", port=1236, at=T0 + timedelta(hours=1))
    assert (nobody.account, nobody.reason, nobody.ipv6_prefix) == (
        None,
        "no_session",
        "2001:db8:12:3500::/56",
    )
    assert shared_address_at(block=block, ip="192.0.2.18", port=25, at=T0).reason == "port_outside_port_sets"
    assert shared_address_at(block=block, ip="192.0.2.18", port=None, at=T0).reason == "no_port"


def account(n):
    from subscribers.models import Account

    return Account.objects.get(account_id=f"C-{n}")


# -- import_natlog: CSV ------------------------------------------------------------------


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_CSV = (
    CSV_HEADER
    + "198.51.100.1,1024,2047,2026-11-20T09:00:00+09:00,2026-11-20T12:00:00+09:00,C-1\n"
    + "198.51.100.1,1024,2047,2026-11-20T03:00:00Z,,C-2\n"
    + "198.51.100.1,2048,3071,2026-11-20T00:00:00Z,,C-3\n"
)


def test_csv_port_blocks_are_imported_and_answer_address_port_instant(shared, tmp_path):
    output = run_command("import_natlog", write(tmp_path, "nat.csv", GOOD_CSV))
    assert output.err == ""
    assert "read 3, created 3, updated 0, unchanged 0, rejected 0" in output.out

    def who(port, at):
        row = nat_block_at(ip="198.51.100.1", port=port, at=at)
        return row.account.account_id if row else None

    assert who(1500, T0 + timedelta(hours=1)) == "C-1"
    assert who(1500, T0 + timedelta(hours=2, minutes=59)) == "C-1"
    assert who(1500, T0 + timedelta(hours=3)) == "C-2"  # the handover instant is the new holder's
    assert who(2047, T0 + timedelta(hours=4)) == "C-2"
    assert who(2048, T0 + timedelta(hours=1)) == "C-3"
    assert who(1500, T0 - timedelta(minutes=1)) is None  # before any allocation
    assert who(3072, T0 + timedelta(hours=1)) is None  # a port nobody was given
    block = block_for(ip="198.51.100.1")
    hit = shared_address_at(block=block, ip="198.51.100.1", port=2050, at=T0 + timedelta(hours=1))
    assert (hit.account.account_id, hit.how, hit.nat_block.port_start) == ("C-3", "natlog", 2048)


def test_a_block_size_change_over_time_still_finds_the_wider_earlier_block(shared, tmp_path):
    # Until 06:00 one 1,024-port block; from then on three smaller ones with the same
    # first port and two higher starts: an instant before the change must look past
    # the higher starts (nothing allocated there yet) down to the wide block.
    resized = (
        CSV_HEADER
        + "198.51.100.1,1024,2047,2026-11-20T00:00:00Z,2026-11-20T06:00:00Z,C-1\n"
        + "198.51.100.1,1024,1279,2026-11-20T06:00:00Z,,C-2\n"
        + "198.51.100.1,1280,1535,2026-11-20T06:00:00Z,2026-11-20T08:00:00Z,C-3\n"
        + "198.51.100.1,1536,2047,2026-11-20T06:00:00Z,,C-1\n"
    )
    output = run_command("import_natlog", write(tmp_path, "resized.csv", resized))
    assert "created 4" in output.out and "rejected 0" in output.out

    def who(port, at):
        row = nat_block_at(ip="198.51.100.1", port=port, at=at)
        return (row.account.account_id, row.port_start, row.port_end) if row else None

    wide = ("C-1", 1024, 2047)
    assert who(1600, T0 + timedelta(hours=1)) == wide  # two higher starts, both not yet given
    assert who(1300, T0 + timedelta(hours=1)) == wide
    assert who(2047, T0 + timedelta(hours=5, minutes=59)) == wide
    assert who(1600, T0 + timedelta(hours=6)) == ("C-1", 1536, 2047)
    assert who(1300, T0 + timedelta(hours=7)) == ("C-3", 1280, 1535)
    assert who(1300, T0 + timedelta(hours=8)) is None  # C-3 gave it back; the wide block had ended
    assert who(1100, T0 + timedelta(hours=9)) == ("C-2", 1024, 1279)
    assert who(2048, T0 + timedelta(hours=1)) is None


def test_an_allocation_over_another_accounts_open_one_closes_it_with_a_note(shared, tmp_path):
    run_command("import_natlog", write(tmp_path, "nat.csv", GOOD_CSV))
    later = CSV_HEADER + "198.51.100.1,1024,2047,2026-11-20T06:00:00Z,,C-3\n"  # C-2's release was lost
    output = run_command("import_natlog", write(tmp_path, "later.csv", later))
    assert "later.csv:2: note: implicitly closed 198.51.100.1 ports 1024-2047 of account C-2" in output.out
    assert nat_block_at(ip="198.51.100.1", port=1100, at=T0 + timedelta(hours=5)).account.account_id == "C-2"
    assert nat_block_at(ip="198.51.100.1", port=1100, at=T0 + timedelta(hours=6)).account.account_id == "C-3"


def test_csv_re_import_is_idempotent_and_a_later_stop_updates(shared, tmp_path):
    run_command("import_natlog", write(tmp_path, "nat.csv", GOOD_CSV))
    output = run_command("import_natlog", write(tmp_path, "nat.csv", GOOD_CSV), format="csv")
    assert "read 3, created 0, updated 0, unchanged 3, rejected 0" in output.out
    closed = GOOD_CSV.replace("03:00:00Z,,C-2", "03:00:00Z,2026-11-20T08:00:00Z,C-2")
    output = run_command("import_natlog", write(tmp_path, "nat.csv", closed))
    assert "read 3, created 0, updated 1, unchanged 2, rejected 0" in output.out
    assert NatPortBlock.objects.count() == 3


def test_csv_bad_lines_are_rejected_with_a_reason_and_the_good_ones_kept(shared, tmp_path):
    bad = (
        GOOD_CSV
        + "203.0.113.9,1024,2047,2026-11-20T00:00:00Z,,C-1\n"  # 5: not a shared block
        + "192.0.2.18,1024,2047,2026-11-20T00:00:00Z,,C-1\n"  # 6: a MAP-E block
        + "198.51.100.1,1500,1600,2026-11-20T02:30:00Z,2026-11-20T04:00:00Z,C-3\n"  # 7: C-1's, then C-2's
        + "198.51.100.1,3000,2000,2026-11-20T00:00:00Z,,C-1\n"  # 8: ends before it starts
        + "198.51.100.1,4096,5119,2026-11-20 00:00:00,,C-1\n"  # 9: no offset
        + "198.51.100.1,4096,5119,2026-11-20T00:00:00Z,,C-9\n"  # 10: unknown account
        + "198.51.100.1,4096,5119,2026-11-20T00:00:00Z,,M-1\n"  # 11: not a connection account
        + "198.51.100.1,4096,70000,2026-11-20T00:00:00Z,,C-1\n"  # 12: not a port
        + "198.51.100.1,4096\n"  # 13: too few fields
    )
    output = run_command("import_natlog", write(tmp_path, "nat.csv", bad))
    assert "read 12, created 3, updated 0, unchanged 0, rejected 9" in output.out
    lines = output.err.splitlines()
    assert len(lines) == 9
    assert "nat.csv:5: 203.0.113.9 is not in a shared block" in lines[0]
    assert "nat.csv:6: 192.0.2.18 is in 192.0.2.0/24, a MAP-E block" in lines[1]
    assert "nat.csv:7:" in lines[2] and "account C-1" in lines[2] and "two holders" in lines[2]
    assert "nat.csv:8: port range 3000-2000 ends before it starts" in lines[3]
    assert "nat.csv:9:" in lines[4] and "has no UTC offset" in lines[4]
    assert "nat.csv:10: unknown account_id 'C-9'" in lines[5]
    assert "nat.csv:11: account M-1 is a mail account" in lines[6]
    assert "nat.csv:12: port range 4096-70000 is outside 0..65535" in lines[7]
    assert "nat.csv:13: expected 6 fields, found 2" in lines[8]
    assert NatPortBlock.objects.count() == 3


def test_a_file_that_cannot_be_read_is_one_line_and_a_non_zero_exit(shared, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run_command("import_natlog", tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="header must be address,port_start"):
        run_command("import_natlog", write(tmp_path, "x.csv", "address,port\n1,2\n"), format="csv")
    with pytest.raises(CommandError, match="cannot tell whether this is CSV or a NAT syslog"):
        run_command("import_natlog", write(tmp_path, "x.txt", "hello\n"))


# -- import_natlog: NAT syslog ---------------------------------------------------------

PBA = (
    "{at} cgn1 RT_NAT: RT_SRC_NAT_PBA_{event}: Subscriber {inside} used/{word} port range "
    "[{first}-{last}] from interface {address} with pool name cgn-pool\n"
)


def pba(event, at, inside, first, last, address="198.51.100.2"):
    word = {"ALLOC": "allocated", "RELEASE": "released", "INTERIM": "interim"}[event]
    return PBA.format(at=at, event=event, inside=inside, word=word, first=first, last=last, address=address)


@pytest.fixture
def inside_sessions(shared):
    session_record(account=account(1), ip="100.64.1.2", started_at=T0)
    session_record(account=account(2), ip="100.64.1.3", started_at=T0)
    session_record(account=account(3), ip="2001:db8:77::/56", started_at=T0)  # a DS-Lite B4's prefix


def test_syslog_allocations_and_releases_name_the_session_logs_holder(inside_sessions, tmp_path):
    log = (
        pba("ALLOC", "2026-11-20T10:00:00+09:00", "100.64.1.2", 1024, 2047)
        + "2026-11-20T10:00:01+09:00 cgn1 sshd[12]: Accepted publickey for admin\n"
        + pba("ALLOC", "2026-11-20T01:00:05Z", "100.64.1.3", 2048, 3071)
        + pba("ALLOC", "2026-11-20T01:00:06Z", "2001:db8:77::1", 3072, 4095)
        + pba("INTERIM", "2026-11-20T01:30:00Z", "100.64.1.2", 1024, 2047)
        + pba("RELEASE", "2026-11-20T02:00:00Z", "100.64.1.2", 1024, 2047)
        + pba("ALLOC", "2026-11-20T02:00:00Z", "100.64.1.3", 1024, 2047)
    )
    path = write(tmp_path, "nat.log", log)
    output = run_command("import_natlog", path)
    assert output.err == ""
    assert "read 7, created 4, updated 1, unchanged 1, rejected 0, ignored 1" in output.out

    def who(port, at):
        row = nat_block_at(ip="198.51.100.2", port=port, at=at)
        return (row.account.account_id, row.inside_address, row.source) if row else None

    assert who(1100, T0 + timedelta(hours=1, minutes=59)) == ("C-1", "100.64.1.2", "syslog")
    assert who(1100, T0 + timedelta(hours=2)) == ("C-2", "100.64.1.3", "syslog")
    assert who(3500, T0 + timedelta(hours=2))[0] == "C-3"  # DS-Lite: the B4 address's prefix

    output = run_command("import_natlog", path, format="syslog")
    assert "read 7, created 0, updated 0, unchanged 6, rejected 0, ignored 1" in output.out
    assert NatPortBlock.objects.count() == 4


def test_syslog_lines_that_cannot_be_placed_are_rejected_with_a_reason(inside_sessions, tmp_path):
    log = (
        "Nov 20 10:00:00 cgn1 RT_NAT: RT_SRC_NAT_PBA_ALLOC: Subscriber 100.64.1.2 used/allocated port "
        "range [1024-2047] from interface 198.51.100.2 with pool name p\n"
        + pba("ALLOC", "2026-11-20T01:00:00Z", "100.64.9.9", 1024, 2047)
        + pba("RELEASE", "2026-11-20T02:00:00Z", "100.64.1.2", 5120, 6143)
        + pba("ALLOC", "2026-11-20T01:00:00Z", "100.64.1.2", 1024, 2047, address="203.0.113.7")
    )
    output = run_command("import_natlog", write(tmp_path, "nat.log", log), format="syslog")
    assert "read 4, created 0, updated 0, unchanged 0, rejected 4" in output.out
    lines = output.err.splitlines()
    assert "nat.log:1: traditional syslog time has no year and no zone" in lines[0]
    assert "nat.log:2: no session of ours held the subscriber address 100.64.9.9" in lines[1]
    assert "nat.log:3: release of 198.51.100.2 ports 5120-6143 without an allocation" in lines[2]
    assert "nat.log:4: 203.0.113.7 is not in a shared block" in lines[3]


def test_netblocks_csv_may_carry_a_mape_rule(db, tmp_path):
    (tmp_path / "netblocks.csv").write_text(
        "prefix,kind,assigned_to,sub_allocated_to,abuse_contact,map_rule_ipv6,map_ea_bits,map_psid_offset\n"
        "192.0.2.0/24,shared,,,,2001:db8::/40,16,\n"
        "198.51.100.0/28,shared,,,,,,\n"
        "203.0.113.0/24,dynamic,,,,2001:db8::/40,16,6\n",
        encoding="utf-8",
    )
    output = run_command("import_inventory", tmp_path)
    assert "created 2, updated 0, unchanged 0, rejected 1" in output.out
    assert "netblocks.csv:4: a MAP-E rule is only for shared blocks, not dynamic" in output.err
    mape = AddressBlock.objects.get(prefix="192.0.2.0/24")
    assert (mape.map_rule_ipv6, mape.map_ea_bits, mape.map_psid_offset) == ("2001:db8::/40", 16, 6)
    assert AddressBlock.objects.get(prefix="198.51.100.0/28").map_rule_ipv6 == ""


def test_overlaps_within_one_file_are_refused_on_every_database(shared, tmp_path):
    # Decided line by line on SQLite, in SQL on PostgreSQL: the same answer either way.
    text = (
        CSV_HEADER
        + "198.51.100.3,1024,2047,2026-11-20T00:00:00Z,2026-11-20T05:00:00Z,C-1\n"
        + "198.51.100.3,1536,2559,2026-11-20T01:00:00Z,2026-11-20T02:00:00Z,C-2\n"  # cuts across C-1's
        + "198.51.100.3,1024,2047,2026-11-20T04:00:00Z,2026-11-20T06:00:00Z,C-3\n"  # inside C-1's time
        + "198.51.100.3,2048,3071,2026-11-20T00:00:00Z,,C-2\n"  # beside it: fine
        + "198.51.100.3,1024,2047,2026-11-20T05:00:00Z,,C-3\n"  # after C-1's: fine
    )
    output = run_command("import_natlog", write(tmp_path, "nat.csv", text))
    assert "read 5, created 3, updated 0, unchanged 0, rejected 2" in output.out
    lines = output.err.splitlines()
    assert "nat.csv:3:" in lines[0] and "account C-1" in lines[0] and "two holders" in lines[0]
    assert "nat.csv:4:" in lines[1] and "account C-1" in lines[1] and "two holders" in lines[1]
    assert sorted(NatPortBlock.objects.values_list("port_start", "account__account_id")) == [
        (1024, "C-1"),
        (1024, "C-3"),
        (2048, "C-2"),
    ]
