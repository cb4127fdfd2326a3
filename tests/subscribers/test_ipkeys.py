from ipaddress import ip_address, ip_network

import pytest

from subscribers import ipkeys


def test_ipv4_is_mapped_into_the_ipv6_space():
    assert ipkeys.ip_key("192.0.2.1") == "00000000000000000000ffffc0000201"
    assert ipkeys.ip_key("::ffff:192.0.2.1") == ipkeys.ip_key("192.0.2.1")


def test_keys_accept_address_objects_and_strings_alike():
    assert ipkeys.ip_key(ip_address("2001:db8::1")) == ipkeys.ip_key("2001:db8::1")
    assert ipkeys.network_key(ip_network("2001:db8::/32")) == ipkeys.network_key("2001:db8::/32")


def test_network_key_gives_first_and_last_key_and_mapped_length():
    start, end, length = ipkeys.network_key("198.51.100.0/24")
    assert start == ipkeys.ip_key("198.51.100.0")
    assert end == ipkeys.ip_key("198.51.100.255")
    assert length == 120


def test_ipv6_prefix_keeps_its_length():
    start, end, length = ipkeys.network_key("2001:db8:1200::/56")
    assert (start, length) == (ipkeys.ip_key("2001:db8:1200::"), 56)
    assert end == ipkeys.ip_key("2001:db8:1200:ff:ffff:ffff:ffff:ffff")


def test_key_text_order_is_numeric_order():
    addresses = ["::1", "0.0.0.1", "9.255.255.255", "10.0.0.0", "192.0.2.1", "2001:db8::", "ffff::"]
    keys = [ipkeys.ip_key(a) for a in addresses]
    assert sorted(keys) == keys
    assert sorted(keys, key=lambda k: int(k, 16)) == keys


def test_start_key_at_masks_to_the_containing_prefix():
    assert ipkeys.start_key_at("2001:db8:1200:34::5", 56) == ipkeys.ip_key("2001:db8:1200::")
    assert ipkeys.start_key_at("61.114.5.23", 128) == ipkeys.ip_key("61.114.5.23")


@pytest.mark.parametrize(
    "text, message",
    [
        ("198.51.100.1/24", "host bits set (did you mean 198.51.100.0/24?)"),
        ("garbage", "is not an IPv4 or IPv6 address"),
        ("10.0.0.0/33", "is not an IPv4 or IPv6 prefix"),
        ("", "empty IP address"),
    ],
)
def test_parse_ip_or_prefix_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        ipkeys.parse_ip_or_prefix(text)


def test_parse_ip_or_prefix_returns_address_or_network():
    assert ipkeys.parse_ip_or_prefix("61.114.5.23") == ip_address("61.114.5.23")
    assert ipkeys.parse_ip_or_prefix("2001:db8:1200::/56") == ip_network("2001:db8:1200::/56")
