"""Fixed-width sortable keys for IPv4 and IPv6 addresses and prefixes.

Every address is placed in one 128-bit space (IPv4 mapped into ::ffff:0:0/96) and
written as 32 lowercase hex digits. Fixed-width hex compares the same as the numbers
it encodes, on SQLite and PostgreSQL alike, so "start_key <= k <= end_key" and
"ip_start_key = k" are plain B-tree lookups on any database.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

_V4_MAPPED = 0xFFFF << 32
_V4_OFFSET = 96  # an IPv4 /n is a /(96+n) in the mapped space
_ALL_ONES = (1 << 128) - 1


def _normalise(addr: IPAddress) -> IPAddress:
    # ::ffff:192.0.2.1 as logged by dual-stack daemons is the IPv4 address.
    if isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def parse_ip(text: str | IPAddress) -> IPAddress:
    """An address from text ("61.114.5.23", "2001:db8::1", "[2001:db8::1]")."""
    if isinstance(text, IPv4Address | IPv6Address):
        return _normalise(text)
    raw = str(text).strip().strip("[]")
    if not raw:
        raise ValueError("empty IP address")
    try:
        return _normalise(ipaddress.ip_address(raw.split("%", 1)[0]))
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 or IPv6 address") from None


def parse_network(text: str | IPNetwork) -> IPNetwork:
    """A prefix with no host bits set ("2001:db8:1200::/56")."""
    if isinstance(text, IPv4Network | IPv6Network):
        return text
    raw = str(text).strip()
    if "/" not in raw:
        raise ValueError(f"{text!r} is not a prefix (expected address/length)")
    try:
        return ipaddress.ip_network(raw, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.ip_network(raw, strict=False)
            raise ValueError(f"{text!r} has host bits set (did you mean {loose}?)") from None
        raise ValueError(f"{text!r} is not an IPv4 or IPv6 prefix") from None


def parse_ip_or_prefix(text: str | IPAddress | IPNetwork) -> IPAddress | IPNetwork:
    """An address, or a prefix when the text has a "/"; ValueError says what is wrong."""
    if isinstance(text, IPv4Address | IPv6Address | IPv4Network | IPv6Network):
        return text
    if "/" in str(text):
        return parse_network(text)
    return parse_ip(text)


def _int128(addr: IPAddress) -> int:
    addr = _normalise(addr)
    if isinstance(addr, IPv4Address):
        return _V4_MAPPED | int(addr)
    return int(addr)


def _hex(value: int) -> str:
    return f"{value:032x}"


def mapped_prefix_len(network: IPNetwork) -> int:
    return network.prefixlen + (_V4_OFFSET if network.version == 4 else 0)


def ip_key(addr: str | IPAddress) -> str:
    """The 32-hex-digit key of one address."""
    return _hex(_int128(parse_ip(addr)))


def network_key(network: str | IPNetwork) -> tuple[str, str, int]:
    """(start_key, end_key, prefix_len in the mapped 128-bit space) of a prefix."""
    net = parse_network(network)
    start = _int128(net.network_address)
    length = mapped_prefix_len(net)
    host_mask = _ALL_ONES >> length
    return _hex(start), _hex(start | host_mask), length


def range_key(value: str | IPAddress | IPNetwork) -> tuple[str, str, int]:
    """Keys of an address (a /32 or /128) or a prefix."""
    parsed = parse_ip_or_prefix(value)
    if isinstance(parsed, IPv4Address | IPv6Address):
        key = ip_key(parsed)
        return key, key, 128
    return network_key(parsed)


def start_keys(addr: str | IPAddress, lengths) -> list[tuple[int, str]]:
    """(prefix_len, start key) of the mapped-space prefix of each length containing addr."""
    value = _int128(parse_ip(addr))
    return [(n, _hex(value & (_ALL_ONES ^ (_ALL_ONES >> n)))) for n in lengths]


def start_key_at(addr: str | IPAddress, prefix_len: int) -> str:
    """The start key of the mapped-space prefix of this length that contains addr."""
    if not 0 <= prefix_len <= 128:
        raise ValueError(f"prefix length {prefix_len} is outside 0..128")
    mask = _ALL_ONES ^ (_ALL_ONES >> prefix_len)
    return _hex(_int128(parse_ip(addr)) & mask)
