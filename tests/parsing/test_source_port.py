"""The source port kept with a report is always the port of the origin address chosen."""

from __future__ import annotations

import pytest

from complaints.parsing import parse_report

SPAM_HOP = (
    "Received: from pc (unknown [{walked}]{port}) by mx.receiver.example (Postfix) with ESMTP id 4Q1; "
    "Fri, 20 Nov 2026 10:00:00 +0000\r\n"
    "From: a@offers.example\r\nSubject: Offer\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n\r\nBuy\r\n"
)


def arf(source: str, source_port: str | None, walked: str, hop_port: str = "") -> bytes:
    port_field = f"Source-Port: {source_port}\r\n" if source_port is not None else ""
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: x/1\r\nVersion: 1\r\nSource-IP: {source}\r\n{port_field}\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        + SPAM_HOP.format(walked=walked, port=hop_port)
        + "--b--\r\n"
    ).encode()


def test_arf_source_port_rfc6692_goes_with_source_ip():
    report = parse_report(arf("203.0.113.9", "40000", "203.0.113.9"))
    assert (report.source_ip, report.source_basis, report.source_port) == ("203.0.113.9", "field", 40000)


def test_the_hops_port_is_used_when_the_walked_address_is_the_origin():
    # The field's address is private (unusable): the walked origin wins, with its hop's port.
    report = parse_report(arf("10.0.0.5", "40000", "203.0.113.9", hop_port=":5555"))
    assert (report.source_ip, report.source_basis, report.source_port) == ("203.0.113.9", "walked", 5555)


def test_a_port_of_another_address_is_never_kept():
    # The field names another address than the walk: the hop's port is not the field address's.
    report = parse_report(arf("198.51.100.7", None, "203.0.113.9", hop_port=":5555"))
    assert (report.source_ip, report.source_port) == ("198.51.100.7", None)
    # …and the field's port does not go to the walked address either.
    report = parse_report(arf("10.0.0.5", "40000", "203.0.113.9"))
    assert (report.source_ip, report.source_port) == ("203.0.113.9", None)


def test_a_bad_source_port_is_noted_and_dropped():
    report = parse_report(arf("203.0.113.9", "http", "203.0.113.9"))
    assert report.source_port is None and any(
        "Source-Port is not a port number" in p for p in report.problems
    )


def _prose(body: str, attached: str = "") -> bytes:
    return (
        "From: postmaster@receiver.example\r\nTo: abuse@isp.example\r\nSubject: Spam from your network\r\n"
        f"Date: Fri, 20 Nov 2026 10:05:00 +0000\r\n\r\n{body}\r\n{attached}"
    ).encode()


@pytest.mark.parametrize(
    ("body", "port"),
    [
        ("Our MTA saw 203.0.113.130 source port 51234 at 2026-11-20 10:00:00 UTC.", 51234),
        ("Connection from 203.0.113.130:51234 at 2026-11-20 10:00:00 UTC.", 51234),
        ("送信元IPアドレス: 203.0.113.130 送信元ポート番号: 51234\n日時: 2026-11-20 10:00:00 UTC", 51234),
        # The port the spam went to is the receiver's, not the sender's.
        ("Spam to our port 25 from 203.0.113.130 at 2026-11-20 10:00:00 UTC.", None),
        # A port written with another address is never this one's.
        ("Spam from 203.0.113.130, relayed by 192.0.2.8:2525, at 2026-11-20 10:00:00 UTC.", None),
    ],
)
def test_a_source_port_a_person_writes_with_the_address_goes_with_it(body, port):
    report = parse_report(_prose(body))
    assert (report.source_ip, report.source_basis, report.source_port) == ("203.0.113.130", "stated", port)


def test_a_port_written_with_the_address_the_attached_headers_show_is_kept():
    headers = SPAM_HOP.format(walked="203.0.113.130", port="")
    report = parse_report(_prose("Spam from 203.0.113.130 source port 51234, headers below.\r\n", headers))
    assert (report.source_ip, report.source_basis, report.source_port) == ("203.0.113.130", "walked", 51234)


@pytest.mark.parametrize("written", ["203.0.113.9:40000", "[2001:db8::9]:40000"])
def test_an_arf_source_ip_written_with_its_port(written):
    report = parse_report(arf(written, None, written.rsplit(":", 1)[0].strip("[]")))
    assert (report.source_ip, report.source_basis, report.source_port) == (
        written.rsplit(":", 1)[0].strip("[]"), "field", 40000
    )


@pytest.mark.parametrize(
    "literal",
    ["[::ffff:203.0.113.130]:51400", "[IPv6:::ffff:203.0.113.130]:51400", "[::FFFF:203.0.113.130]:51400"],
)
def test_a_port_after_an_ipv4_mapped_literal_is_the_addresses_port(literal):
    # A dual-stack listener logs an IPv4 client as ::ffff:a.b.c.d; the address is read as
    # IPv4, and behind a carrier's NAT its port is what names the subscriber.
    raw = (
        f"Received: from pc ({literal} helo=pc) by mx.receiver.example with esmtp (Exim 4.96) id 1tE; "
        "Fri, 20 Nov 2026 10:00:00 +0000\r\n"
        "From: a@offers.example\r\nSubject: Offer\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n\r\nBuy\r\n"
    ).encode()
    report = parse_report(raw)
    assert (report.source_ip, report.source_port) == ("203.0.113.130", 51400)
