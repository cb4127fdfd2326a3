"""Who used a shared address's port: a CGN keeps a port block per inside address, so its
user is the inside address's holder at the instant, whoever held it at the allocation;
a CGN's clock seconds behind the session log's; a MAP-E prefix the session log names
only a part of."""

from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Network

import pytest

from subscribers.importers.common import NOTE, REJECTED
from subscribers.importers.natlog import import_natlog
from subscribers.mape import MapRule
from subscribers.models import Account
from subscribers.selectors import block_for, shared_address_at
from subscribers.services import account_upsert, block_upsert, session_record, subscriber_upsert

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
MOVE = T0 + timedelta(hours=3)  # the inside address passes from C-2 to C-3 about then
OUT = "198.51.100.2"
PBA = (
    "{at} cgn1 RT_NAT: RT_SRC_NAT_PBA_ALLOC: Subscriber {inside} used/allocated port range "
    "[{first}-{last}] from interface {address} with pool name cgn-pool\n"
)


def account(n):
    return Account.objects.get(account_id=f"C-{n}")


@pytest.fixture
def shared(db):
    for n in (1, 2, 3):
        subscriber_upsert(subscriber_id=f"S-{n}", name=f"Customer {n}")
        account_upsert(account_id=f"C-{n}", subscriber_id=f"S-{n}", kind="connection", identifier=f"c{n}@isp")
    block_upsert(prefix="100.64.0.0/10", kind="dynamic")  # the CGN's inside addresses
    block_upsert(prefix="2001:db8::/32", kind="dynamic")  # delegated IPv6 prefixes
    block_upsert(prefix="198.51.100.0/28", kind="shared")  # a CGN pool with port-block logs
    block_upsert(prefix="192.0.2.0/24", kind="shared", map_rule_ipv6="2001:db8:f000::/40", map_ea_bits=16)
    return T0


def allocate(tmp_path, at: datetime, inside: str, first=2048, last=3071):
    path = tmp_path / "pba.log"
    path.write_text(PBA.format(at=at.isoformat(), inside=inside, first=first, last=last, address=OUT))
    results = list(import_natlog(path))
    return [r for r in results if r.outcome == REJECTED], [r.message for r in results if r.outcome == NOTE]


def who(port: int, at: datetime):
    hit = shared_address_at(block=block_for(ip=OUT), ip=OUT, port=port, at=at)
    return hit.account.account_id if hit.account else hit.reason


# -- the inside address changes hands, the port block stays --------------------------------


def test_the_port_block_of_an_inside_address_names_its_holder_at_the_instant(shared, tmp_path):
    """PPPoE gives 100.64.1.3 to C-2, then to C-3; the CGN keeps the address's port block
    (no new allocation line): spam through it after the move came from C-3."""
    session_record(account=account(2), ip="100.64.1.3", started_at=T0, stopped_at=MOVE)
    session_record(account=account(3), ip="100.64.1.3", started_at=MOVE + timedelta(seconds=20))
    rejected, _notes = allocate(tmp_path, T0, "100.64.1.3")
    assert rejected == []
    assert who(2500, MOVE - timedelta(minutes=30)) == "C-2"
    after = shared_address_at(block=block_for(ip=OUT), ip=OUT, port=2500, at=MOVE + timedelta(minutes=30))
    assert (after.account.account_id, after.how, after.allocated_to.account_id) == ("C-3", "natlog_inside", "C-2")
    assert after.session.account.account_id == "C-3"
    # Between the two sessions nobody held the inside address: nobody is named.
    assert who(2500, MOVE + timedelta(seconds=10)) == "inside_not_held"


def test_a_ds_lite_b4_address_follows_its_delegated_prefix(shared, tmp_path):
    session_record(account=account(2), ip="2001:db8:7700::/56", started_at=T0, stopped_at=MOVE)
    session_record(account=account(3), ip="2001:db8:7700::/56", started_at=MOVE + timedelta(minutes=1))
    rejected, _notes = allocate(tmp_path, T0, "2001:db8:7700::1", 3072, 4095)
    assert rejected == []
    assert who(3500, MOVE - timedelta(minutes=30)) == "C-2"
    assert who(3500, MOVE + timedelta(minutes=30)) == "C-3"


def test_an_inside_address_held_by_two_accounts_on_nested_ranges_names_nobody(shared, tmp_path):
    session_record(account=account(2), ip="2001:db8:7800::/56", started_at=T0)
    rejected, _notes = allocate(tmp_path, T0 + timedelta(minutes=5), "2001:db8:7800::1", 3072, 4095)
    assert rejected == []
    session_record(account=account(3), ip="2001:db8:7800::/64", started_at=MOVE)  # a stale or rogue /64
    assert who(3500, MOVE - timedelta(minutes=30)) == "C-2"
    assert who(3500, MOVE + timedelta(minutes=30)) == "nested_sessions"


# -- the CGN's clock a few seconds behind the session log's ----------------------------------


@pytest.mark.parametrize("previous_stop", ["lost", "logged"])
def test_an_allocation_stamped_seconds_before_the_session_start_is_that_sessions(
    shared, tmp_path, previous_stop
):
    """C-3's Start for 100.64.1.3 is at MOVE; the CGN stamps its allocation MOVE-2s. The
    block is C-3's, never C-2's (the address's previous holder, whose Stop was lost or
    logged ten minutes before)."""
    stop = None if previous_stop == "lost" else MOVE - timedelta(minutes=10)
    session_record(account=account(2), ip="100.64.1.3", started_at=T0, stopped_at=stop)
    session_record(account=account(3), ip="100.64.1.3", started_at=MOVE)
    rejected, notes = allocate(tmp_path, MOVE - timedelta(seconds=2), "100.64.1.3")
    assert rejected == []
    assert any("before the session of account C-3 began" in n for n in notes), notes
    assert who(2500, MOVE + timedelta(hours=1)) == "C-3"


def test_an_allocation_seconds_before_its_only_session_ends_is_refused(shared, tmp_path):
    """Nobody takes the address after C-2: on the session log's clock the allocation may
    already be past C-2's end, so it is not given to C-2."""
    session_record(account=account(2), ip="100.64.1.4", started_at=T0, stopped_at=MOVE)
    rejected, _notes = allocate(tmp_path, MOVE - timedelta(seconds=5), "100.64.1.4")
    assert len(rejected) == 1 and "ended at" in rejected[0].message
    assert who(2500, MOVE - timedelta(seconds=1)) == "no_port_block"


# -- MAP-E: the session log names a part of the customer's prefix ----------------------------

RULE = MapRule(IPv4Network("192.0.2.0/24"), IPv6Network("2001:db8:f000::/40"), 16)
ADDRESS = IPv4Address("192.0.2.18")
PORT = 1232  # PSID 0x34: 2001:db8:f012:3400::/56


def mape_hit(at: datetime):
    block = block_for(ip=str(ADDRESS))
    return shared_address_at(block=block, ip=str(ADDRESS), port=PORT, at=at)


def test_mape_a_wan_64_inside_the_customers_56_names_its_holder(shared):
    prefix = RULE.end_user_prefix(ADDRESS, PORT)
    assert str(prefix) == "2001:db8:f012:3400::/56"
    session_record(account=account(3), ip="2001:db8:f012:3405::/64", started_at=T0)
    hit = mape_hit(T0 + timedelta(hours=1))
    assert (hit.account.account_id, hit.how, hit.ipv6_prefix) == ("C-3", "map_e", str(prefix))


def test_mape_parts_of_the_56_held_by_two_accounts_name_nobody(shared):
    session_record(account=account(2), ip="2001:db8:f012:3405::/64", started_at=T0)
    session_record(account=account(3), ip="2001:db8:f012:34a0::/64", started_at=T0)
    hit = mape_hit(T0 + timedelta(hours=1))
    assert (hit.account, hit.reason) == (None, "sessions_in_prefix")
