"""An IPv4 address written with zero-padded octets, as fixed-width logs and some report
forms print it ("198.051.100.023"), named nobody: Python refuses leading zeros (inet_aton
would read them as octal). No log or person writes octal octets: it is read in decimal,
wherever the desk reads an address (a complaint's words, a listed incident, a table)."""

from __future__ import annotations

import pytest

from complaints.models import Report
from complaints.parsing import parse_report
from complaints.parsing.complaint import named_addresses
from complaints.parsing.hosts import is_routable_ip, normalise_ip, split_zone
from complaints.parsing.incidents import listed_incidents
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import attributed
from tests.parsing.test_probed_japanese_complaints import complaint


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("198.051.100.023", "198.51.100.23"),
        ("198.51.100.023", "198.51.100.23"),
        ("203.000.113.005", "203.0.113.5"),
        ("[198.051.100.023]", "198.51.100.23"),
        ("::ffff:198.51.100.23", "198.51.100.23"),  # unchanged: IPv4-mapped IPv6
        ("198.51.100.230", "198.51.100.230"),  # a zero that pads nothing
    ],
)
def test_a_zero_padded_address_is_read_in_decimal(text, canonical):
    assert normalise_ip(text) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "198.051.100.256",  # an octet out of range stays no address
        "0198.51.100.23",  # four digits are no padded octet
        "198.051.100",  # three parts
        "198.051.100.023%eth0",  # IPv4 has no zone
    ],
)
def test_what_is_no_address_padded_or_not_stays_none(text):
    assert split_zone(text) == (None, None)


def test_padded_private_addresses_stay_private():
    assert normalise_ip("010.000.000.001") == "10.0.0.1"
    assert not is_routable_ip("010.000.000.001")
    assert named_addresses("Source IP: 010.000.000.001 sent spam") == (None, [])


def test_a_complaints_padded_address_is_the_reports_source():
    assert named_addresses("Source IP: 198.051.100.023 sent spam")[0] == "198.51.100.23"
    parsed = parse_report(complaint("Source IP: 198.051.100.023\nTime: 2026-11-20 04:12:00 UTC\nSpam.\n"))
    assert parsed.source_ip == "198.51.100.23", parsed.problems


def test_a_listed_incidents_padded_addresses_are_read():
    body = (
        "The following hosts sent spam to our traps:\n\n"
        "IP address        Time (UTC)\n"
        "203.000.113.005   2026-11-20 04:50:00\n"
        "198.051.100.023   2026-11-20 05:10:00\n"
    )
    assert [i.ip for i in listed_incidents(body).incidents] == ["203.0.113.5", "198.51.100.23"]


@pytest.mark.django_db
def test_a_padded_address_names_who_held_it_then(isp):  # noqa: F811
    # C-1 held 198.51.100.23 until 05:30Z on 2026-11-20 (tests/attribution/conftest.py).
    body = "Source IP: 198.051.100.023\nTime: 2026-11-20 04:12:00 UTC\nUnsolicited mail from your customer.\n"
    result = attributed(complaint(body, subject="Spam from your network", to="abuse@isp.example.jp"))
    assert str(Report.objects.get().source_ip) == "198.51.100.23"
    assert result["accounts"] == ["C-1"]
