"""A log line pasted into a complaint names its sender by a field ("SRC=", "rip=",
Postfix's "from host[address]", a Cisco ASA's "src outside:"), and a syslog line whose
host is written as an address names the device that logged it first. The source was the
first address of the line: the complainant's own server, and the sender nobody."""

from __future__ import annotations

import pytest

from complaints.models import Report
from complaints.parsing import parse_report
from complaints.parsing.complaint import named_addresses
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import attributed
from tests.parsing.test_probed_japanese_complaints import complaint

SENDER = "198.51.100.23"  # C-1's until 05:30Z on 2026-11-20 (tests/attribution/conftest.py)
OURS = "203.0.113.99"  # the complainant's server


@pytest.mark.parametrize(
    "line",
    [
        # iptables/UFW through syslog: the host, then SRC= and DST=
        f"Nov 20 04:12:00 {OURS} kernel: [UFW BLOCK] IN=eth0 OUT= SRC={SENDER} DST={OURS} PROTO=TCP DPT=25",
        f"Nov 20 04:12:00 {OURS} sshd[1234]: Failed password for root from {SENDER} port 4242 ssh2",
        f"2026-11-20T04:12:00+00:00 {OURS} postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[{SENDER}]: 554",
        f"<34>Nov 20 04:12:00 {OURS} %ASA-4-106023: Deny tcp src outside:{SENDER}/4444 dst inside:{OURS}/25",
        f"Nov 20 04:12:00 {OURS} dovecot: imap-login: Aborted login (auth failed): user=<x>, rip={SENDER}, lip={OURS}",
        f"<34>1 2026-11-20T04:12:00.003Z {OURS} sshd 1234 - - Failed password for root from {SENDER}",
        # no host address, the field after other addresses
        f"deny tcp dst inside:{OURS}/25 src outside:{SENDER}/4444",
        f"lip={OURS}, rip={SENDER}, method=PLAIN",
        f"Nov 20 04:12:00 mx1 postfix/smtpd[1]: connect from dsl-23.dynamic.example.net[{SENDER}]",
    ],
)
def test_a_log_lines_sender_is_the_source(line):
    assert named_addresses(line)[0] == SENDER


@pytest.mark.parametrize(
    "text",
    [
        f"2026-11-20 04:12:00 UTC  {SENDER}  Spam Server",  # a list's row starts with its address
        f"Spam from {SENDER} to our server {OURS}",
        f"{SENDER} sent spam on Nov 20 04:12:00 to {OURS}",
    ],
)
def test_rows_and_prose_still_name_their_first_or_from_address(text):
    assert named_addresses(text)[0] == SENDER


def test_a_syslog_line_with_only_its_hosts_address_names_no_source():
    assert (
        named_addresses(f"Nov 20 04:12:00 {OURS} postfix/smtpd[1]: warning: hostname verification failed")[0]
        is None
    )


def test_the_reports_source_is_the_sender_of_the_pasted_line():
    parsed = parse_report(
        complaint(
            "Your customer tried to deliver spam to us:\n\n"
            f"2026-11-20T04:12:00+00:00 {OURS} postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[{SENDER}]: "
            "554 5.7.1 Service unavailable; Client host blocked\n"
        )
    )
    assert parsed.source_ip == SENDER, parsed.problems


@pytest.mark.django_db
def test_a_pasted_firewall_line_names_who_held_the_sender(isp):  # noqa: F811
    body = (
        "Spam attempts from your network:\n\n"
        f"2026-11-20T04:12:00+00:00 {OURS} kernel: [UFW BLOCK] IN=eth0 OUT= SRC={SENDER} DST={OURS} "
        "PROTO=TCP SPT=40000 DPT=25\n"
    )
    result = attributed(complaint(body, subject="Spam from your network"))
    assert str(Report.objects.get().source_ip) == SENDER
    assert result["accounts"] == ["C-1"]
