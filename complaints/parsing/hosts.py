"""IP address and host name helpers (offline: no DNS, no network)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import tldextract

# Only the suffix list bundled with tldextract: the parser never touches the network.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Address space that never appears on the public Internet as a mail client, so a
# host there was seen by the reporter's own network. Documentation ranges (192.0.2/24
# and friends) are deliberately absent: ipaddress calls them "private", but test and
# anonymised reports use them for public senders.
_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "::/128",
        "fc00::/7",
        "fe80::/10",
    )
)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}$")


def normalise_ip(text: str | None) -> str | None:
    """Canonical IP text (IPv6 compressed, IPv4-mapped IPv6 as IPv4), or None."""
    if not text:
        return None
    value = text.strip().strip("[]")
    if value.lower().startswith("ipv6:"):
        value = value[5:]
    value = value.split("%", 1)[0]
    if not value or len(value) > 45:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def is_internal_ip(text: str | None) -> bool:
    if not text:
        return False
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in net for net in _INTERNAL if net.version == address.version)


def clean_host(name: str | None) -> str | None:
    """Lowercase host name without trailing dot, or None when it is not a host name."""
    if not name:
        return None
    value = name.strip().strip("[]").rstrip(".").lower()
    if normalise_ip(value):
        return None
    return value if _HOSTNAME.match(value) else None


@lru_cache(maxsize=4096)
def registrable_domain(name: str | None) -> str | None:
    """The organisation's domain of a host name: "mx1.mail.example.co.jp" -> "example.co.jp".

    Names under unlisted suffixes (.local, .internal, anonymised ".tld") fall back to
    the last two labels so that "a.domain3.tld" and "b.domain3.tld" still match.
    """
    host = clean_host(name)
    if not host:
        return None
    try:
        found = _EXTRACT(host).top_domain_under_public_suffix
    except Exception:
        found = ""
    if found:
        return found
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else None


def is_under(name: str | None, domains: tuple[str, ...] | set[str] | frozenset[str]) -> bool:
    host = clean_host(name)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains if d)


def idna_host(host: str) -> str | None:
    """Lowercase ASCII (punycode) form of a URL host, or None if it is not usable."""
    host = host.strip().strip(".").lower()
    if not host:
        return None
    ip = normalise_ip(host)
    if ip:
        return ip
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        if not host.isascii():
            return None
        ascii_host = host
    ascii_host = ascii_host.lower()
    return ascii_host if _HOSTNAME.match(ascii_host) else None
