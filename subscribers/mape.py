"""MAP-E (RFC 7597): which subscriber's IPv6 prefix a shared IPv4 address and port map to.

A basic mapping rule is (rule IPv6 prefix /n, rule IPv4 prefix /r, EA-bits length o,
PSID offset a). The EA bits of an end-user IPv6 prefix are the IPv4 suffix (p = 32 - r
bits) followed by the PSID (q = o - p bits); the end-user prefix is the rule IPv6 prefix
followed by the EA bits, /(n + o). A port belongs to the PSID found in its bits after
the first `a` (RFC 7597 section 5.1): ports whose first `a` bits are all zero belong to
nobody when a > 0 (the system ports are excluded from every port set).

Pure computation; the inventory (selectors) takes the prefix to the session log.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

DEFAULT_PSID_OFFSET = 6


class MapRuleError(ValueError):
    """A rule that cannot map anything; the message says why."""


@dataclass(frozen=True)
class MapRule:
    ipv4_prefix: IPv4Network
    ipv6_prefix: IPv6Network
    ea_bits: int
    psid_offset: int = DEFAULT_PSID_OFFSET

    def __post_init__(self):
        if not isinstance(self.ipv4_prefix, IPv4Network):
            raise MapRuleError("the rule IPv4 prefix must be an IPv4 prefix")
        if not isinstance(self.ipv6_prefix, IPv6Network):
            raise MapRuleError("the rule IPv6 prefix must be an IPv6 prefix")
        if not 0 <= self.ea_bits <= 48:
            raise MapRuleError(f"EA-bits length {self.ea_bits} is outside 0..48")
        if not 0 <= self.psid_offset <= 15:
            raise MapRuleError(f"PSID offset {self.psid_offset} is outside 0..15")
        if self.ea_bits < self.suffix_bits:
            raise MapRuleError(
                f"EA-bits length {self.ea_bits} is shorter than the IPv4 suffix "
                f"({self.suffix_bits} bits of {self.ipv4_prefix}): that rule delegates prefixes, not ports"
            )
        if self.psid_offset + self.psid_bits > 16:
            raise MapRuleError(
                f"PSID offset {self.psid_offset} and PSID length {self.psid_bits} "
                "exceed the 16 bits of a port"
            )
        if self.ipv6_prefix.prefixlen + self.ea_bits > 64:
            raise MapRuleError(
                f"rule IPv6 prefix /{self.ipv6_prefix.prefixlen} plus {self.ea_bits} EA bits "
                "is longer than /64"
            )

    @property
    def suffix_bits(self) -> int:
        return 32 - self.ipv4_prefix.prefixlen

    @property
    def psid_bits(self) -> int:
        return self.ea_bits - self.suffix_bits

    @property
    def end_user_prefix_len(self) -> int:
        return self.ipv6_prefix.prefixlen + self.ea_bits

    def psid(self, port: int) -> int | None:
        """The PSID whose port set holds `port`, or None (a port outside every set)."""
        if not 0 <= port <= 65535:
            raise MapRuleError(f"port {port} is outside 0..65535")
        if self.psid_offset and port >> (16 - self.psid_offset) == 0:
            return None
        m = 16 - self.psid_offset - self.psid_bits
        return (port >> m) & ((1 << self.psid_bits) - 1)

    def end_user_prefix(self, address: IPv4Address, port: int) -> IPv6Network | None:
        """The end-user IPv6 prefix of the CE that owns (address, port), or None."""
        if address not in self.ipv4_prefix:
            raise MapRuleError(f"{address} is not in the rule IPv4 prefix {self.ipv4_prefix}")
        psid = self.psid(port)
        if psid is None:
            return None
        suffix = int(address) & ((1 << self.suffix_bits) - 1)
        ea = (suffix << self.psid_bits) | psid
        shift = 128 - self.end_user_prefix_len
        network = int(self.ipv6_prefix.network_address) | (ea << shift)
        return IPv6Network((network, self.end_user_prefix_len))

    def port_sets(self, psid: int) -> list[tuple[int, int]]:
        """The port ranges (first, last) of one PSID, in order (RFC 7597 section 5.1)."""
        m = 16 - self.psid_offset - self.psid_bits
        first_index = 1 if self.psid_offset else 0
        return [
            (
                (i << (16 - self.psid_offset)) | (psid << m),
                (i << (16 - self.psid_offset)) | (psid << m) | ((1 << m) - 1),
            )
            for i in range(first_index, 1 << self.psid_offset)
        ]

    def ce_from_prefix(self, prefix: IPv6Network) -> tuple[IPv4Address, int]:
        """(IPv4 address, PSID) of the CE with this end-user prefix (the other direction)."""
        if prefix.prefixlen < self.end_user_prefix_len or not prefix.subnet_of(self.ipv6_prefix):
            raise MapRuleError(f"{prefix} is not an end-user prefix of the rule {self.ipv6_prefix}")
        shift = 128 - self.end_user_prefix_len
        ea = (int(prefix.network_address) >> shift) & ((1 << self.ea_bits) - 1)
        psid = ea & ((1 << self.psid_bits) - 1)
        suffix = ea >> self.psid_bits
        return IPv4Address(int(self.ipv4_prefix.network_address) | suffix), psid

    def ce_address(self, address: IPv4Address, psid: int) -> str:
        """The MAP CE IPv6 address (RFC 7597 section 5.2: subnet 0, interface id 16 zero
        bits, the IPv4 address, the PSID right-aligned in 16 bits)."""
        suffix = int(address) & ((1 << self.suffix_bits) - 1)
        ea = (suffix << self.psid_bits) | psid
        network = int(self.ipv6_prefix.network_address) | (ea << (128 - self.end_user_prefix_len))
        interface_id = (int(address) << 16) | psid
        return str(IPv6Address(network | interface_id))
