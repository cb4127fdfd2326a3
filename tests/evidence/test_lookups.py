"""Which questions are asked about a subject, against the loopback DNS server."""

import dataclasses

import dns.exception
import dns.name
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from complaints.evidence.lookups import (
    dnsbl_listed,
    dnsbl_name,
    domain_policy_checks,
    host_checks,
    ip_checks,
    normalize_name,
    run_checks,
)
from complaints.evidence.resolver import plain_name, query
from complaints.models import Evidence

Kind = Evidence.Kind
Outcome = Evidence.Outcome

V6 = "2001:db8::1"
V6_NIBBLES = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"


def by_kind(checks, kind, rdtype=None):
    return [c for c in checks if c.kind == kind and (rdtype is None or c.result.query_type == rdtype)]


@pytest.fixture
def zones(settings):
    settings.ABUSEDESK_DNSBL_ZONES = [("xbl.test", "exploited"), ("sbl.test", "spam_source")]


def test_it_confirms_a_ptr_name_that_resolves_back(dns_server):
    dns_server.add("23.100.51.198.in-addr.arpa", "PTR", "pc-23.dyn.isp.example.")
    dns_server.add("pc-23.dyn.isp.example", "A", "198.51.100.23")

    checks = ip_checks("198.51.100.23")

    [ptr] = by_kind(checks, Kind.PTR)
    assert ptr.result.query_name == "23.100.51.198.in-addr.arpa"
    assert ptr.result.answer == ["pc-23.dyn.isp.example."]
    [forward] = by_kind(checks, Kind.FORWARD)
    assert (forward.subject, forward.result.query_name, forward.result.query_type) == (
        "198.51.100.23",
        "pc-23.dyn.isp.example",
        "A",
    )
    assert forward.confirmed is True


def test_it_does_not_confirm_a_ptr_name_pointing_elsewhere(dns_server):
    dns_server.add("23.100.51.198.in-addr.arpa", "PTR", "mail.bank.example.")
    dns_server.add("mail.bank.example", "A", "192.0.2.80")

    [forward] = by_kind(ip_checks("198.51.100.23"), Kind.FORWARD)

    assert forward.result.answer == ["192.0.2.80"]
    assert forward.confirmed is False


def test_it_confirms_ipv6_with_aaaa(dns_server):
    dns_server.add(f"{V6_NIBBLES}.ip6.arpa", "PTR", "v6.isp.example.")
    dns_server.add("v6.isp.example", "AAAA", V6)

    [forward] = by_kind(ip_checks(V6), Kind.FORWARD)

    assert forward.result.query_type == "AAAA"
    assert forward.confirmed is True


def test_it_asks_no_forward_question_without_a_ptr(dns_server):
    checks = ip_checks("198.51.100.23")

    assert [c.kind for c in checks] == [Kind.PTR]
    assert checks[0].result.outcome == Outcome.NXDOMAIN


def test_dnsbl_names_use_reversed_octets_and_nibbles():
    assert dnsbl_name("198.51.100.23", "xbl.test") == "23.100.51.198.xbl.test"
    assert dnsbl_name(V6, "xbl.test") == f"{V6_NIBBLES}.xbl.test"


def test_it_looks_up_each_configured_zone_and_fetches_the_reason_when_listed(dns_server, zones):
    dns_server.add("23.100.51.198.xbl.test", "A", "127.0.0.4")
    dns_server.add("23.100.51.198.xbl.test", "TXT", '"Infected with a spam bot"')

    checks = ip_checks("198.51.100.23")

    listed = {c.zone: c for c in by_kind(checks, Kind.DNSBL, "A")}
    assert listed["xbl.test"].listed is True
    assert listed["xbl.test"].zone_kind == "exploited"
    assert listed["sbl.test"].listed is False
    assert listed["sbl.test"].result.outcome == Outcome.NXDOMAIN
    [reason] = by_kind(checks, Kind.DNSBL, "TXT")
    assert reason.zone == "xbl.test"
    assert reason.result.answer == ['"Infected with a spam bot"']
    assert dns_server.asked("23.100.51.198.sbl.test", "TXT") == 0


def test_it_looks_up_ipv6_in_nibble_format(dns_server, zones):
    dns_server.add(f"{V6_NIBBLES}.xbl.test", "A", "127.0.0.2")

    checks = ip_checks(V6)

    listed = {c.zone: c.listed for c in by_kind(checks, Kind.DNSBL, "A")}
    assert listed == {"xbl.test": True, "sbl.test": False}


def test_a_refusal_code_is_not_a_listing(dns_server):
    # Blocklists answer 127.255.255.x when they refuse a query (e.g. from a public resolver).
    dns_server.add("1.2.0.192.xbl.test", "A", "127.255.255.254")

    assert dnsbl_listed(query("1.2.0.192.xbl.test", "A")) is False


def test_a_failed_blocklist_lookup_is_unknown_not_clean(dns_server, zones):
    dns_server.servfail.add("23.100.51.198.xbl.test")

    listed = {c.zone: c.listed for c in by_kind(ip_checks("198.51.100.23"), Kind.DNSBL, "A")}

    assert listed == {"xbl.test": None, "sbl.test": False}


def test_it_asks_a_aaaa_mx_and_ns_of_a_host(dns_server):
    dns_server.add("pills.example.net", "A", "203.0.113.10")
    dns_server.add("pills.example.net", "AAAA", "2001:db8:10::10")
    dns_server.add("pills.example.net", "MX", "10 mx.pills.example.net.")

    checks = {c.kind: c for c in host_checks("Pills.Example.NET.")}

    assert set(checks) == {Kind.A, Kind.AAAA, Kind.MX, Kind.NS}
    assert checks[Kind.A].subject == "pills.example.net"
    assert checks[Kind.A].result.answer == ["203.0.113.10"]
    assert checks[Kind.AAAA].result.answer == ["2001:db8:10::10"]
    assert checks[Kind.MX].result.answer == ["10 mx.pills.example.net."]
    assert checks[Kind.NS].result.outcome == Outcome.NOANSWER


def test_it_keeps_only_spf_and_dmarc_records(dns_server):
    dns_server.add(
        "spammer.example", "TXT", '"google-site-verification=abc"', '"v=spf1 ip4:192.0.2.0/24 -all"'
    )
    dns_server.add("_dmarc.spammer.example", "TXT", '"v=DMARC1; p=reject"')

    checks = {c.kind: c for c in domain_policy_checks("spammer.example")}

    assert checks[Kind.SPF].result.query_name == "spammer.example"
    assert checks[Kind.SPF].result.answer == ['"v=spf1 ip4:192.0.2.0/24 -all"']
    assert "google-site-verification" in checks[Kind.SPF].result.response_as_text()
    assert checks[Kind.DMARC].result.query_name == "_dmarc.spammer.example"
    assert checks[Kind.DMARC].result.answer == ['"v=DMARC1; p=reject"']


def test_failures_are_results_not_exceptions(dns_server, zones):
    dns_server.servfail.add("pills.example.net")
    dns_server.drop.add("23.100.51.198.in-addr.arpa")

    checks = run_checks(ips=["198.51.100.23"], hosts=["pills.example.net"], domains=["nowhere.example"])

    outcomes = {(c.kind, c.result.query_type): c.result.outcome for c in checks}
    assert outcomes[(Kind.PTR, "PTR")] == Outcome.TIMEOUT
    assert outcomes[(Kind.A, "A")] == Outcome.SERVFAIL
    assert outcomes[(Kind.SPF, "TXT")] == Outcome.NXDOMAIN


def test_a_cached_result_is_not_asked_again_but_still_leads_to_follow_ups(dns_server):
    dns_server.add("pc-23.dyn.isp.example", "A", "198.51.100.23")
    ptr = query("23.100.51.198.in-addr.arpa", "PTR")
    ptr = dataclasses.replace(ptr, outcome=Outcome.ANSWER, answer=["pc-23.dyn.isp.example."])
    before = dns_server.queries

    checks = ip_checks("198.51.100.23", cached=lambda key: ptr if key[1] == Kind.PTR else None)

    assert [c.kind for c in checks] == [Kind.FORWARD]
    assert checks[0].confirmed is True
    assert dns_server.queries == before + 1


NAME_CHARS = "abcXYZ019-_.\\ é"


@given(st.text(alphabet=NAME_CHARS, min_size=1, max_size=80))
@hypothesis_settings(max_examples=400, deadline=None)
def test_a_name_recorded_without_dnspython_is_what_dnspython_writes(name):
    """The short cut for plain names gives what the round trip through dns.name gives."""
    try:
        full = dns.name.from_text(name).to_text(omit_final_dot=True)
    except dns.exception.DNSException:
        full = None
    if full is not None:
        assert normalize_name(name) == full.lower()
        if plain_name(name):
            assert name.rstrip(".") == full
    else:  # not a name: recorded as given, lower case, as before
        assert normalize_name(name) == name.lower().rstrip(".")
