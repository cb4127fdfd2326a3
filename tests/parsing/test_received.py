"""Received headers of every common shape parse into the same Hop fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsing.received import parse_received

CASES = [
    pytest.param(
        "from unknown (HELO mail.example) (203.0.113.5) by mx.example.net with SMTP; "
        "8 Mar 2017 01:21:00 -0000",
        dict(
            from_name="mail.example",
            from_rdns=None,
            from_address="203.0.113.5",
            by_name="mx.example.net",
            with_protocol="SMTP",
        ),
        id="qmail",
    ),
    pytest.param(
        "from helo.example (rdns.example.org [203.0.113.5])\n\tby mx.example.net (Postfix) "
        "with ESMTPA id 4AB12;"
        "\n\tFri, 20 Nov 2026 10:00:00 +0000 (UTC)",
        dict(
            from_name="helo.example",
            from_rdns="rdns.example.org",
            from_address="203.0.113.5",
            by_name="mx.example.net",
            with_protocol="ESMTPA",
            id="4AB12",
        ),
        id="postfix",
    ),
    pytest.param(
        "from helo.example (rdns.example.org [203.0.113.5] (may be forged)) "
        "by mx.example.net (8.14.4/8.14.4) "
        "with ESMTP id s1; Fri, 20 Nov 2026 10:00:00 +0000",
        dict(from_name="helo.example", from_rdns="rdns.example.org", from_address="203.0.113.5", id="s1"),
        id="sendmail",
    ),
    pytest.param(
        "from [203.0.113.5] (helo=client.example) by mx.example.net with esmtpa (Exim 4.86) "
        "(envelope-from <a@example.org>) id 1aBc-0003; Fri, 20 Nov 2026 10:00:00 +0000",
        dict(from_name="client.example", from_address="203.0.113.5", with_protocol="esmtpa", id="1aBc-0003"),
        id="exim",
    ),
    pytest.param(
        "from host.example.org ([203.0.113.5]:4242 helo=client.example) by mx.example.net with esmtps; "
        "Fri, 20 Nov 2026 10:00:00 +0000",
        dict(from_name="client.example", from_rdns="host.example.org", from_address="203.0.113.5"),
        id="exim-port",
    ),
    pytest.param(
        "from [198.51.100.23] (port=51234 helo=[192.168.1.5]) by mx.example.net with esmtp (Exim 4.97) "
        "id 1aBcDe-0001; Fri, 20 Nov 2026 05:35:00 +0000",
        dict(from_name="[192.168.1.5]", from_rdns=None, from_address="198.51.100.23", from_port=51234),
        id="exim-no-rdns-literal-greeting",
    ),
    pytest.param(
        "from host.example.org ([203.0.113.5] helo=[10.0.0.7]) by mx.example.net with esmtps; "
        "Fri, 20 Nov 2026 10:00:00 +0000",
        dict(from_rdns="host.example.org", from_address="203.0.113.5"),
        id="exim-literal-greeting",
    ),
    pytest.param(
        "from DM6PR06MB.namprd06.prod.outlook.com (2603:10b6:207:3d::31) "
        "by BL0PR06MB.namprd06.prod.outlook.com "
        "(2603:10b6:208::1) with Microsoft SMTP Server (version=TLS1_2) id 15.20.1185.23; "
        "Mon, 1 Oct 2018 09:49:22 +0000",
        dict(
            from_address="2603:10b6:207:3d::31",
            by_name="bl0pr06mb.namprd06.prod.outlook.com",
            with_protocol="Microsoft SMTP Server",
            id="15.20.1185.23",
        ),
        id="microsoft",
    ),
    pytest.param(
        "from [IPv6:::ffff:203.0.113.68] (unknown [203.0.113.68]) by example.com (Postfix) with ESMTP; "
        "Mon, 7 Apr 2025 10:10:06 -0600",
        dict(from_address="203.0.113.68"),
        id="ipv4-mapped",
    ),
    pytest.param(
        "from mail6.example.org (mail6.example.org [IPv6:2001:db8::1]) by mx.example.net with ESMTPS; "
        "Fri, 20 Nov 2026 10:00:00 +0000",
        dict(from_address="2001:db8::1", from_rdns="mail6.example.org"),
        id="ipv6",
    ),
    pytest.param(
        "from [129.212.207.5] (account a@example.org HELO x.example) by  (Postfix) with ESMTPA id 4CA; "
        "Tue, 24 May 2016 13:09:41 +0100",
        dict(from_address="129.212.207.5", by_name="", with_protocol="ESMTPA"),
        id="empty-by",
    ),
    pytest.param(
        "from [10.17.18.21] (helo=domain3.example)",
        dict(from_address="10.17.18.21", from_name="domain3.example", by_name=None, time=None),
        id="missing-by-and-date",
    ),
    pytest.param(
        "from [192.0.2.222] ([192.0.2.222:222] helo=mta.example) by example.org with ESMTPS (cipher=AES256 "
        "id 22/00-EEEE; Thu, 29 Apr 2015 23:34:45 +0000",
        dict(from_address="192.0.2.222", by_name="example.org", with_protocol="ESMTPS"),
        id="unbalanced-parenthesis",
    ),
    pytest.param(
        "from x.example ([127.0.0.1]:8615 helo=x.example) by x.example with ESMTP id 04EK;"
        "\n\tfor <a@b.example>; "
        "Tue, 7 Mar 2017 14:29:24 -0800",
        dict(from_address="127.0.0.1", id="04EK"),
        id="stray-semicolon",
    ),
    pytest.param(
        "(qmail 24962 invoked from network); 19 Jan 2016 20:32:36 +0100",
        dict(from_name=None, from_address=None, by_name=None),
        id="qmail-invoked",
    ),
    pytest.param(
        "from unknown (HELO ljhw) (zyb@example.cn@[223.152.177.168]) by 0 (magicmail) with SMTP; "
        "26 Dec 2016 05:32:02 -0000",
        dict(from_address="223.152.177.168", from_name="ljhw", by_name="0"),
        id="qmail-user-at-ip",
    ),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_received_forms(value, expected):
    hop = parse_received(value)

    assert {key: getattr(hop, key) for key in expected} == expected


def test_the_date_after_the_last_semicolon_is_read_with_its_zone():
    hop = parse_received("from a (a.example [192.0.2.1]) by b.example; Sat, 21 Nov 2026 08:30:00 +0900 (JST)")

    assert hop.time == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def test_a_date_without_semicolon_is_still_found():
    hop = parse_received("by filter.example with SMTP id f1 2018-09-28 08:48:36.858842501 +0000 UTC m=+185")

    assert hop.time == datetime(2018, 9, 28, 8, 48, 36, 858842, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "address", "port"),
    [
        ("from pc (pc.example [203.0.113.5]:54321 helo=pc) by mx.example", "203.0.113.5", 54321),  # Exim
        ("from [203.0.113.5]:2100 (helo=pc) by mx.example", "203.0.113.5", 2100),
        ("from pc ([IPv6:2001:db8::5]:40000) by mx.example", "2001:db8::5", 40000),
        ("from pc (pc.example [203.0.113.5] port 1234) by mx.example", "203.0.113.5", 1234),
        ("from pc (203.0.113.5 port=4321) by mx.example", "203.0.113.5", 4321),
        ("from pc (2001:db8::5 port 777) by mx.example", "2001:db8::5", 777),
        ("from pc (pc.example [203.0.113.5]) by mx.example", "203.0.113.5", None),
        ("from pc (203.0.113.5:99999) by mx.example", "203.0.113.5", None),  # not a port
        ("from pc (pc.example [203.0.113.5]) by mx.example port 25", "203.0.113.5", None),  # the receiver's
    ],
)
def test_the_connecting_hosts_port_is_read_where_the_mta_wrote_it(header, address, port):
    hop = parse_received(header + "; Fri, 20 Nov 2026 10:00:00 +0000")
    assert (hop.from_address, hop.from_port) == (address, port)
