"""The one resolver module: every outcome comes back as a result, never as an exception."""

import socket
from datetime import UTC

import pytest

from complaints.evidence.resolver import query
from complaints.models import Evidence
from tests.support.dnsserver import DnsTestServer

Outcome = Evidence.Outcome


def test_it_returns_the_answer_with_server_ttl_and_response(dns_server):
    dns_server.add("www.shop.example", "A", "203.0.113.10", "203.0.113.11")
    dns_server.ttl = 120

    result = query("www.shop.example", "a")

    assert result.outcome == Outcome.ANSWER
    assert result.query_name == "www.shop.example"
    assert result.query_type == "A"
    assert result.answer == ["203.0.113.10", "203.0.113.11"]
    assert result.ttl == 120
    assert result.server == f"127.0.0.1:{dns_server.port}"
    assert result.asked_at.tzinfo is UTC
    assert "www.shop.example. 120 IN A 203.0.113.10" in result.response_as_text()


def test_it_records_nxdomain_with_the_negative_ttl(dns_server):
    dns_server.negative_ttl = 60

    result = query("nothing-here.example", "A")

    assert result.outcome == Outcome.NXDOMAIN
    assert result.answer == []
    assert result.ttl == 60
    assert "rcode NXDOMAIN" in result.response_as_text()


def test_it_records_no_answer_when_the_name_has_other_types(dns_server):
    dns_server.add("www.shop.example", "A", "203.0.113.10")

    result = query("www.shop.example", "MX")

    assert result.outcome == Outcome.NOANSWER
    assert result.answer == []
    assert "rcode NOERROR" in result.response_as_text()


def test_it_records_servfail(dns_server):
    dns_server.servfail.add("broken.example")

    result = query("broken.example", "A")

    assert result.outcome == Outcome.SERVFAIL
    assert result.server == f"127.0.0.1:{dns_server.port}"
    assert "rcode SERVFAIL" in result.response_as_text()


def test_it_records_a_timeout(dns_server):
    dns_server.drop.add("slow.example")

    result = query("slow.example", "A")

    assert result.outcome == Outcome.TIMEOUT
    assert "lifetime expired" in result.response_as_text()
    assert dns_server.asked("slow.example", "A") >= 1


def test_it_records_an_error_for_a_bad_name(dns_server):
    result = query("x" * 70 + ".example", "A")

    assert result.outcome == Outcome.ERROR
    assert "LabelTooLong" in result.response_as_text()
    assert dns_server.queries == 0


def test_it_asks_each_configured_server_on_its_own_port(settings):
    with DnsTestServer(servfail={"mail.example"}) as first, DnsTestServer() as second:
        second.add("mail.example", "A", "192.0.2.25")
        settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", first.port), ("127.0.0.1", second.port)]

        result = query("mail.example", "A")

    assert result.outcome == Outcome.ANSWER
    assert result.server == f"127.0.0.1:{second.port}"
    assert first.asked("mail.example", "A") == 1


def test_it_reads_the_servers_at_call_time(settings, dns_server):
    dns_server.add("mail.example", "A", "192.0.2.25")
    assert query("mail.example", "A").outcome == Outcome.ANSWER

    with DnsTestServer() as other:
        settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", other.port)]
        assert query("mail.example", "A").outcome == Outcome.NXDOMAIN
        assert other.queries == 1


@pytest.mark.parametrize("rdtype", ["PTR", "TXT", "MX", "NS", "AAAA"])
def test_it_returns_rdata_as_text(dns_server, rdtype):
    rdata = {
        "PTR": "host.example.",
        "TXT": '"v=spf1 -all"',
        "MX": "10 mx.example.",
        "NS": "ns1.example.",
        "AAAA": "2001:db8::25",
    }[rdtype]
    dns_server.add("thing.example", rdtype, rdata)

    assert query("thing.example", rdtype).answer == [rdata]


def test_a_closed_port_is_recorded_as_a_timeout(settings):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", closed_port)]

    result = query("mail.example", "A")

    # dnspython's UDP socket is unconnected, so the ICMP refusal goes unseen.
    assert result.outcome == Outcome.TIMEOUT
    assert result.server == f"127.0.0.1:{closed_port}"
