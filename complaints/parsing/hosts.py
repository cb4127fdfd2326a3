"""IP address and host name helpers (offline: no DNS, no network)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import tldextract

# Only the suffix list bundled with tldextract: the parser never touches the network.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Address space that is never a mail client on the public Internet, with the reason a
# person is shown. A host there was seen inside someone's own network (the reporter's,
# usually), so the trust walk goes on past it and it is never an origin. The
# documentation and test ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, MCAST-TEST-NET
# 233.252.0/24, the benchmarking 198.18/15 and 2001:2::/48, 2001:db8::/32, 3fff::/20)
# are deliberately routable here: ipaddress calls them "private", but RFC examples,
# test and anonymised reports use them for public senders, and tests need them as origins.
_DOCUMENTATION = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "233.252.0.0/24",
        "198.18.0.0/15",
        "2001:2::/48",
        "2001:db8::/32",
        "3fff::/20",
    )
)
_NON_ROUTABLE = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified (this network)"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved for IETF protocol assignments"),
        ("192.168.0.0/16", "private"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "reserved (IPv4-compatible IPv6)"),
        ("100::/64", "reserved (discard-only)"),
        ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "reserved (site-local)"),
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_ZONE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}$")


def split_zone(text: str | None) -> tuple[str | None, str | None]:
    """(canonical IP text, zone id) of an address literal; (None, None) if it is none.

    "fe80::1%eth0" -> ("fe80::1", "eth0"). A zone id scopes an address to one link of
    one host: callers treat a zoned address as link-local, never as an origin.
    IPv6 is compressed, IPv4-mapped IPv6 ("::ffff:192.0.2.1") becomes plain IPv4.
    """
    if not text:
        return None, None
    value = text.strip().strip("[]")
    if value.lower().startswith("ipv6:"):
        value = value[5:]
    value, _, zone = value.partition("%")
    if not value or len(value) > 45:
        return None, None
    try:
        address = ipaddress.ip_address(_unpadded(value))
    except ValueError:
        return None, None
    if zone and (address.version == 4 or not _ZONE.fullmatch(zone)):
        return None, None  # IPv4 has no zones, and junk after "%" makes no address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address), (zone or None)


_PADDED_V4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _unpadded(value: str) -> str:
    """An IPv4 address written with zero-padded octets, as fixed-width logs and some
    report forms print it ("198.051.100.023"), in plain decimal ("198.51.100.23").

    Python's parser refuses leading zeros because inet_aton reads them as octal; no log
    or person writes octal octets, and an address that names nobody helps no one.
    """
    if "0" in value and _PADDED_V4.fullmatch(value):
        return ".".join(str(int(octet)) for octet in value.split("."))
    return value


def normalise_ip(text: str | None) -> str | None:
    """Canonical IP text (IPv6 compressed, IPv4-mapped IPv6 as IPv4), or None.

    The zone id of a scoped address is not part of the result: where it matters
    (an origin), callers use `split_zone` or `non_routable_reason` on the text.
    """
    return split_zone(text)[0]


def non_routable_reason(text: str | None) -> str | None:
    """Why an address can never be a spam origin ("private", "loopback", ...), or None.

    A zone id ("fe80::1%eth0") makes any address link-local. Text that is no address
    gives None: callers check that first.
    """
    ip, zone = split_zone(text)
    if ip is None:
        return None
    if zone:
        return f"link-local (zone id %{zone})"
    address = ipaddress.ip_address(ip)
    if any(address in net for net in _DOCUMENTATION if net.version == address.version):
        return None
    for net, reason in _NON_ROUTABLE:
        if net.version == address.version and address in net:
            return reason
    if address.version == 6 and address not in _GLOBAL_UNICAST_V6:
        return "reserved (outside IPv6 global unicast space)"
    return None


def is_routable_ip(text: str | None) -> bool:
    """An address that can be a sender on the public Internet (documentation ranges included)."""
    return normalise_ip(text) is not None and non_routable_reason(text) is None


def is_internal_ip(text: str | None) -> bool:
    """An address no Internet host has: whoever recorded it saw it inside its own network."""
    return normalise_ip(text) is not None and non_routable_reason(text) is not None


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


# Large mailbox providers name the hosts of one delivery under several registrable
# domains: Microsoft 365 hands a message from protection.outlook.com to office365.com to
# exchangelabs.com, Yahoo's receivers are yahoodns.net and its mailboxes yahoo.com or
# aol.com. For the chain of trust each group is one organisation. Only domains of the
# providers' own mail systems belong here, never their customers' (googleusercontent.com
# names Google Cloud tenants, who are anybody).
_SAME_ORGANISATION = (
    ("outlook.com", "office365.com", "exchangelabs.com", "hotmail.com", "live.com"),
    ("google.com", "googlemail.com", "gmail.com"),
    ("yahoo.com", "yahoodns.net", "yahoo.net", "aol.com"),
    ("icloud.com", "me.com", "apple.com"),
    # Filtering services (below) whose hosts span domains: Barracuda's hand-over hosts
    # are ess.barracuda.com, its MX barracudanetworks.com, its own lines cudaops.com.
    ("barracuda.com", "barracudanetworks.com", "cudaops.com"),
    ("mimecast.com", "mimecast-offshore.com"),
    ("pphosted.com", "ppe-hosted.com"),
)
_ORGANISATION_OF = {domain: group[0] for group in _SAME_ORGANISATION for domain in group}


def organisation(name: str | None) -> str | None:
    """The registrable domain of `name`, one per provider for the providers above."""
    domain = registrable_domain(name)
    return _ORGANISATION_OF.get(domain, domain) if domain else None


# Inbound filtering services a receiver puts in front of its own mail server (its MX
# points at them): they take the mail from the Internet, write the connecting host in
# their own line, and hand it on. A receiver that took a message from one of them, by
# the name it looked up, vouches for that line as for its own. Only services that
# filter for their customers belong here, never mailbox providers, whose outbound
# hosts also carry their own users' mail.
FILTERING_GATEWAYS = (
    "pphosted.com",  # Proofpoint
    "ppe-hosted.com",  # Proofpoint Essentials
    "mimecast.com",
    "mimecast-offshore.com",
    "messagelabs.com",  # Broadcom Email Security.cloud
    "ess.barracudanetworks.com",
    "ess.barracuda.com",  # Barracuda Email Security Service's hand-over hosts
    "iphmx.com",  # Cisco Secure Email Cloud
    "mailcontrol.com",  # Forcepoint
    "hornetsecurity.com",
    "hes.trendmicro.com",
    "tmes.trendmicro.com",
    "hydra.sophos.com",
    "antispamcloud.com",  # SpamExperts
    "mailroute.net",
)


def is_filtering_gateway(name: str | None) -> bool:
    return is_under(name, FILTERING_GATEWAYS)


def is_under(name: str | None, domains: tuple[str, ...] | set[str] | frozenset[str]) -> bool:
    host = clean_host(name)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains if d)


_ENDS_IN_A_NUMBER = re.compile(r"(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)\.?$", re.IGNORECASE)


def url_ipv4(host: str) -> str | None:
    """The IPv4 address a browser reads in a URL host written as numbers (the URL
    Standard's IPv4 parser): "3323068802", "0xC6120182", "0306.0022.1.0x82" and
    "198.18.386" are all 198.18.1.130 to a browser, and spammers write them so to slip
    past filters. None when the host is a name (its last label is not a number)."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not parts or len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        text, base = part, 10
        if len(text) > 1 and text[:2] in ("0x", "0X"):
            text, base = text[2:], 16
        elif len(text) > 1 and text[0] == "0":
            text, base = text[1:], 8
        if text == "" and base == 16:
            numbers.append(0)
            continue
        try:
            numbers.append(int(text, base) if text else None)
        except ValueError:
            return None
    if any(n is None for n in numbers) or any(n > 255 for n in numbers[:-1]):
        return None
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return str(ipaddress.IPv4Address(value))


def idna_host(host: str) -> str | None:
    """Lowercase ASCII (punycode) form of a URL host, or None if it is not usable."""
    host = host.strip().strip(".").lower()
    if not host:
        return None
    ip = normalise_ip(host) or url_ipv4(host)
    if ip:
        return ip
    if _ENDS_IN_A_NUMBER.search(host):
        return None  # "999.1.1.1", "x.0x1": no browser visits it (and no TLD is a number)
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        if not host.isascii():
            return None
        ascii_host = host
    ascii_host = ascii_host.lower()
    return ascii_host if _HOSTNAME.match(ascii_host) else None
