"""Port blocks of shared addresses: which account a carrier-grade NAT gave which ports, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Address

from django.db import transaction
from django.db.models import Max

from subscribers import ipkeys
from subscribers.choices import AccountKind, BlockKind, NatLogSource
from subscribers.models import Account, AddressBlock, NatPortBlock, NatPortBlockSize
from subscribers.services.common import InventoryError, Outcome, aware, choice


@dataclass(frozen=True)
class NatBlockResult:
    block: NatPortBlock
    outcome: Outcome
    notes: tuple[str, ...] = ()


def _ts(value: datetime | None) -> str:
    return value.isoformat() if value else "open"


def nat_address_check(address: str) -> tuple[str, str]:
    """(canonical address, key) of an address in a shared block without a MAP-E rule."""
    try:
        ip = ipkeys.parse_ip(address)
    except ValueError as exc:
        raise InventoryError(str(exc)) from None
    if not isinstance(ip, IPv4Address):
        raise InventoryError(f"{ip} is not an IPv4 address: only IPv4 is shared behind a NAT")
    key = ipkeys.ip_key(ip)
    block = (
        AddressBlock.objects.filter(start_key__lte=key, end_key__gte=key)
        .order_by("-prefix_len")
        .only("prefix", "kind", "map_rule_ipv6")
        .first()
    )
    if block is None or block.kind != BlockKind.SHARED:
        raise InventoryError(f"{ip} is not in a shared block of the inventory (add the block first)")
    if block.map_rule_ipv6:
        raise InventoryError(f"{ip} is in {block.prefix}, a MAP-E block: its ports follow the mapping rule")
    return str(ip), key


def nat_ports_check(port_start, port_end) -> tuple[int, int]:
    try:
        first, last = int(port_start), int(port_end)
    except (TypeError, ValueError):
        raise InventoryError(f"port range {port_start!r}-{port_end!r} is not two numbers") from None
    if not (0 <= first <= 65535 and 0 <= last <= 65535):
        raise InventoryError(f"port range {first}-{last} is outside 0..65535")
    if last < first:
        raise InventoryError(f"port range {first}-{last} ends before it starts")
    return first, last


def nat_block_size_register(*, size: int) -> None:
    NatPortBlockSize.objects.get_or_create(size=size)


def nat_max_block_size() -> int:
    return NatPortBlockSize.objects.aggregate(m=Max("size"))["m"] or 0


def _overlapping(
    key: str, first: int, last: int, start: datetime, stop: datetime | None
) -> list[NatPortBlock]:
    # Blocks that can hold any of first..last start no lower than first - the largest size.
    lowest = max(0, first - max(nat_max_block_size(), last - first + 1) + 1)
    rows = NatPortBlock.objects.filter(
        address_key=key, port_start__gte=lowest, port_start__lte=last, port_end__gte=first
    ).select_related("account")
    if stop is not None:
        rows = rows.filter(started_at__lt=stop)
    return [r for r in rows if r.stopped_at is None or r.stopped_at > start]


def _refuse_other_holders(key, address, first, last, start, stop, account, *, exclude=None) -> list:
    """Another account's allocations overlapping this one: an open one begun earlier is
    returned (to be closed: its release was lost); any other is refused."""
    to_close = []
    for other in sorted(_overlapping(key, first, last, start, stop), key=lambda r: r.started_at):
        if other.account_id == account.pk or other.pk == exclude:
            continue
        if other.stopped_at is None and other.started_at < start and exclude is None:
            to_close.append(other)
            continue
        raise InventoryError(
            f"{address} ports {first}-{last} overlap ports {other.port_start}-{other.port_end} of account "
            f"{other.account.account_id} ({_ts(other.started_at)} – {_ts(other.stopped_at)}); "
            "two holders at one instant"
        )
    return to_close


def nat_block_record(
    *,
    account: Account,
    address: str,
    port_start,
    port_end,
    started_at: datetime,
    stopped_at: datetime | None = None,
    inside_address: str = "",
    source: str = NatLogSource.CSV,
) -> NatBlockResult:
    """Record that `account` held ports port_start..port_end of a shared address from started_at.

    Re-recording the same allocation is UNCHANGED (a new stop is an UPDATE). Another
    account's allocation still open on those ports is closed at started_at (a lost
    release; a note says so). Any other overlap with another account is refused: two
    holders of one port at one instant would make the attribution a guess.
    """
    if account.kind != AccountKind.CONNECTION:
        raise InventoryError(
            f"account {account.account_id} is a {account.kind} account, not a connection account"
        )
    source = choice(source, NatLogSource, "source")
    aware(started_at, "start")
    if stopped_at is not None:
        aware(stopped_at, "stop")
        if stopped_at < started_at:
            raise InventoryError(f"stop {stopped_at.isoformat()} is before start {started_at.isoformat()}")
    address, key = nat_address_check(address)
    first, last = nat_ports_check(port_start, port_end)

    identical = NatPortBlock.objects.filter(address_key=key, port_start=first, started_at=started_at).first()
    if identical is not None:
        # Recorded before (and checked then): the same allocation again, or its stop.
        if identical.account_id != account.pk or identical.port_end != last:
            raise InventoryError(
                f"{address} ports {first}- from {_ts(started_at)} are already recorded as "
                f"{identical.port_start}-{identical.port_end} of another allocation"
            )
        if stopped_at is None or identical.stopped_at == stopped_at:
            return NatBlockResult(identical, Outcome.UNCHANGED)
        _refuse_other_holders(
            key, address, first, last, started_at, stopped_at, account, exclude=identical.pk
        )
        identical.stopped_at = stopped_at
        identical.save(update_fields=["stopped_at"])
        return NatBlockResult(identical, Outcome.UPDATED)

    notes: list[str] = []
    to_close = _refuse_other_holders(key, address, first, last, started_at, stopped_at, account)

    with transaction.atomic():
        for other in to_close:
            other.stopped_at = started_at
            other.save(update_fields=["stopped_at"])
            notes.append(
                f"implicitly closed {address} ports {other.port_start}-{other.port_end} of account "
                f"{other.account.account_id} at {_ts(started_at)}"
            )
        nat_block_size_register(size=last - first + 1)
        block = NatPortBlock.objects.create(
            account=account,
            address=address,
            address_key=key,
            port_start=first,
            port_end=last,
            started_at=started_at,
            stopped_at=stopped_at,
            inside_address=inside_address,
            source=source,
        )
    return NatBlockResult(block, Outcome.CREATED, tuple(notes))


def nat_block_release(
    *, address: str, port_start, port_end, stopped_at: datetime, inside_address: str = ""
) -> NatBlockResult:
    """Close the allocation a NAT's release line refers to (the latest one begun by then)."""
    aware(stopped_at, "release time")
    address, key = nat_address_check(address)
    first, last = nat_ports_check(port_start, port_end)
    rows = NatPortBlock.objects.filter(address_key=key, port_start=first, started_at__lte=stopped_at)
    if inside_address:
        rows = rows.filter(inside_address=inside_address)
    block = rows.order_by("-started_at").first()
    if block is None or block.port_end != last:
        raise InventoryError(f"release of {address} ports {first}-{last} without an allocation before it")
    if block.stopped_at == stopped_at:
        return NatBlockResult(block, Outcome.UNCHANGED)
    if block.stopped_at is not None:
        note = f"{address} ports {first}-{last} already released at {_ts(block.stopped_at)}"
        return NatBlockResult(block, Outcome.UNCHANGED, (note,))
    block.stopped_at = stopped_at
    block.save(update_fields=["stopped_at"])
    return NatBlockResult(block, Outcome.UPDATED)
