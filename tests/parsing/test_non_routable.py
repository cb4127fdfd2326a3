"""No non-routable address is ever an origin, whatever field or hop names it."""

from __future__ import annotations

import json

import pytest

from complaints.parsing import parse_report
from complaints.parsing.hosts import is_routable_ip, non_routable_reason, split_zone

from . import shapes
from .shapes import SPAM, SPAM_IP


@pytest.mark.parametrize(
    "address,reason",
    [
        ("10.1.2.3", "private"),
        ("172.16.9.9", "private"),
        ("192.168.0.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.10.10", "link-local"),
        ("100.64.0.1", "shared address space (carrier-grade NAT)"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0", "unspecified (this network)"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private (unique local)"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("fe80::1%eth0", "link-local (zone id %eth0)"),
        ("2001:db8::1%3", "link-local (zone id %3)"),
    ],
)
def test_non_routable_addresses_have_a_reason(address, reason):
    assert non_routable_reason(address) == reason
    assert not is_routable_ip(address)


@pytest.mark.parametrize(
    "address", ["192.0.2.1", "198.51.100.7", "203.0.113.200", "233.252.0.77", "198.18.4.5", "2001:db8::5", "3fff::1", "8.8.8.8"]
)
def test_documentation_and_public_addresses_stay_usable_as_origins(address):
    assert non_routable_reason(address) is None and is_routable_ip(address)


def test_zone_ids_are_kept_never_dropped_silently():
    assert split_zone("[IPv6:fe80::1%eth0]") == ("fe80::1", "eth0")
    assert split_zone("192.0.2.1%eth0") == (None, None)  # IPv4 has no zones
    assert split_zone("fe80::1%") == ("fe80::1", None)


def _hop(from_part: str, by: str, when: str) -> str:
    return f"Received: from {from_part}\n\tby {by} with ESMTP id X; {when}\n"


def _message(*hops: str) -> bytes:
    return ("".join(hops) + "From: a@deals.example\nTo: b@victim.example\nSubject: hi\n\nhi\n").encode()


def test_a_chain_that_ends_in_private_space_has_no_origin_and_says_why():
    raw = _message(
        _hop("relay.corp.example (relay.corp.example [10.0.0.7])", "mx.corp.example", "Fri, 20 Nov 2026 10:00:02 +0000"),
        _hop("pc17.corp.example (pc17.corp.example [10.0.3.17])", "relay.corp.example", "Fri, 20 Nov 2026 10:00:01 +0000"),
    )

    report = parse_report(raw)

    assert report.source_ip is None and report.source_basis is None
    assert any("10.0.3.17" in p and "private" in p and "never an origin" in p for p in report.problems)
    assert report.occurred_at.isoformat() == "2026-11-20T10:00:01+00:00"
    assert any(s["key"] == "walk_ended_non_routable" for s in report.signals)


def test_the_walk_goes_past_internal_hops_whose_names_do_not_match():
    # The reporter's internal hub names itself differently from what its relay called it.
    raw = _message(
        _hop("filter-a (unknown [10.9.8.7])", "store.isp.example", "Fri, 20 Nov 2026 10:00:03 +0000"),
        _hop("localhost (localhost [127.0.0.1])", "filter-b.internal", "Fri, 20 Nov 2026 10:00:02 +0000"),
        _hop(f"bulk.deals.example (bulk.deals.example [{SPAM_IP}])", "mx.isp.example", "Fri, 20 Nov 2026 10:00:01 +0000"),
    )

    report = parse_report(raw)

    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")


def test_a_zone_scoped_hop_is_link_local_and_walked_past():
    raw = _message(
        _hop("gw.isp.example ([IPv6:fe80::1%eth0])", "store.isp.example", "Fri, 20 Nov 2026 10:00:02 +0000"),
        _hop(f"bulk.deals.example (bulk.deals.example [{SPAM_IP}])", "gw.isp.example", "Fri, 20 Nov 2026 10:00:01 +0000"),
    )

    report = parse_report(raw)

    assert report.hops[0].from_address == "fe80::1" and report.hops[0].from_zone == "eth0"
    assert report.source_ip == SPAM_IP


def test_a_private_arf_source_ip_gives_way_to_the_walk():
    report = parse_report(shapes.feedback_report(source="10.17.18.1"))

    assert report.source_ip_stated == "10.17.18.1"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert any("10.17.18.1 is a private address" in p for p in report.problems)
    assert {"key": "non_routable_source", "value": "10.17.18.1 (private)"} in report.signals


@pytest.mark.parametrize("source", ["fe80::1%eth0", "100.64.3.3", "ff02::1", "0.0.0.0"])
def test_no_non_routable_stated_source_is_ever_the_origin(source):
    spam_without_chain = b"From: a@deals.example\nTo: b@victim.example\nSubject: hi\n\nhi\n"
    report = parse_report(shapes.feedback_report(spam_without_chain, source=source))

    assert report.source_ip is None
    assert report.source_ip_stated.split("%")[0] == split_zone(source)[0]
    assert any("never an origin" in p for p in report.problems)


@pytest.mark.parametrize("written", ["::ffff:203.0.113.77", "::FFFF:203.0.113.77", "[IPv6:::ffff:203.0.113.77]"])
def test_ipv4_mapped_ipv6_is_normalised_in_arf_received_and_xarf(written):
    arf = parse_report(shapes.feedback_report(source=written.strip("[]").removeprefix("IPv6:")))
    hop = SPAM.replace(f"[{SPAM_IP}]".encode(), f"[{written.removeprefix('[').removesuffix(']')}]".encode())
    hop_report = parse_report(hop)
    xarf = parse_report(
        json.dumps(
            {
                "xarf_version": "4.0.0",
                "report_id": "0b4c9a4e-2f3d-4a51-9d7e-6c1e2b3a4f50",
                "timestamp": "2026-11-20T10:00:00Z",
                "reporter": {"org": "Trap", "contact": "t@trap.example", "domain": "trap.example"},
                "source_identifier": written.strip("[]").removeprefix("IPv6:"),
                "category": "messaging",
                "type": "spam",
            }
        ).encode(),
        content_type="application/json",
    )

    assert arf.source_ip == hop_report.source_ip == xarf.source_ip == SPAM_IP
