"""Finding the origin in the Received chain, and who authenticated on the sender's side."""

from __future__ import annotations

from datetime import UTC, datetime

from complaints.parsing import TrustContext, parse_report

from .manifest import LOCAL_FIXTURES

OURS = TrustContext(
    own_domains=("isp.example",),
    is_own_mail_server=lambda ip: ip.startswith("198.51.100."),
)


def _mail(*received: str, extra: str = "") -> bytes:
    head = "".join(f"Received: {r}\n" for r in received)
    return (head + extra + "From: x@bad.example\nSubject: hi\n\nhello\n").encode()


def _origin(report):
    return [hop for hop in report.hops if hop.is_origin]


def test_forged_lower_hops_claiming_our_server_or_a_famous_host_are_ignored():
    report = parse_report(
        _mail(
            "from mail.spammer.example (mail.spammer.example [203.0.113.50]) by mx.reporter.example "
            "(Postfix) with ESMTP id A1; Fri, 20 Nov 2026 10:00:00 +0000",
            "from mail.isp.example (mail.isp.example [198.51.100.5]) by mail.spammer.example "
            "with ESMTPA id B2; Fri, 20 Nov 2026 09:59:00 +0000",
            "from mx14.hotmail.com ([200.83.20.140]) by mail.isp.example with SMTP; "
            "Fri, 20 Nov 2026 09:58:00 +0000",
        ),
        trust=OURS,
    )

    assert report.source_ip == "203.0.113.50"
    assert [hop.trusted for hop in report.hops] == [True, False, False]
    assert _origin(report)[0].from_address == "203.0.113.50"


def test_a_helo_naming_our_host_from_outside_our_blocks_is_not_trusted():
    report = parse_report(
        _mail(
            "from mail.isp.example ([203.0.113.50]) by mx.isp.example with ESMTP; "
            "Fri, 20 Nov 2026 10:00:00 +0000",
            "from decoy.example ([192.0.2.99]) by mail.isp.example with ESMTP; "
            "Fri, 20 Nov 2026 09:59:00 +0000",
        ),
        trust=OURS,
    )

    assert report.source_ip == "203.0.113.50"


def test_a_helo_echoing_the_receivers_domain_is_not_trusted():
    report = parse_report(
        _mail(
            "from [203.0.113.50] (helo=mx2.reporter.example) by mx.reporter.example with esmtp (Exim 4.96) "
            "id 1; Fri, 20 Nov 2026 10:00:00 +0000",
            "from decoy (localhost [127.0.0.1]) by mx2.reporter.example with ESMTP; "
            "Fri, 20 Nov 2026 09:59:00 +0000",
        )
    )

    assert report.source_ip == "203.0.113.50"


def test_our_own_mail_server_continues_the_trust():
    hops = (
        "from out.isp.example (out.isp.example [198.51.100.5]) by mx.reporter.example with ESMTPS id A; "
        "Fri, 20 Nov 2026 10:00:05 +0000",
        "from pc1 (p1234.dyn.isp.example [203.0.113.77]) (Authenticated sender: taro@isp.example) "
        "by out.isp.example (Postfix) with ESMTPSA id B; Fri, 20 Nov 2026 19:00:00 +0900",
    )

    plain = parse_report(_mail(*hops))
    ours = parse_report(_mail(*hops), trust=OURS)

    assert plain.source_ip == "198.51.100.5"  # not knowing the server, the chain stops there
    assert ours.source_ip == "203.0.113.77"
    assert ours.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert ours.authenticated is True and ours.authenticated_as == "taro@isp.example"


def test_authenticated_origin_postfix_esmtpa():
    report = parse_report(
        _mail(
            "from smtp.provider.example (smtp.provider.example [192.0.2.10]) by mx.reporter.example "
            "with ESMTPS id A; Fri, 20 Nov 2026 10:00:00 +0000",
            "from laptop (unknown [203.0.113.77]) (Authenticated sender: hanako) by smtp.provider.example "
            "(Postfix) with ESMTPA id B; Fri, 20 Nov 2026 09:59:59 +0000",
        )
    )

    assert report.source_ip == "192.0.2.10"
    # The sender logged in on its side; which login, only the provider's own line says,
    # and nobody the reporter trusts wrote it: shown, never a fact that names an account.
    assert report.authenticated is True and report.authenticated_as is None
    assert report.origin_authenticated is False
    assert {"key": "login_below_origin", "value": "hanako"} in report.signals


def test_sasl_username_and_pop_before_smtp_markers():
    sasl = parse_report(
        _mail(
            "from a (a.provider.example [192.0.2.10]) by mx.reporter.example with ESMTPSA "
            "(sasl_username=jiro@provider.example); Fri, 20 Nov 2026 10:00:00 +0000"
        )
    )
    pop = parse_report(
        _mail(
            "from a (a.provider.example [192.0.2.10]) by mx.reporter.example with SMTP "
            "(POP before SMTP); Fri, 20 Nov 2026 10:00:00 +0000"
        )
    )

    assert sasl.authenticated_as == "jiro@provider.example"
    assert pop.authenticated is True and pop.authenticated_as is None


def test_authentication_on_the_reporters_side_is_a_trap():
    report = parse_report(
        _mail(
            "from relay.reporter.example (relay.reporter.example [10.0.0.5]) (Authenticated sender: bob) "
            "by mail.reporter.example with ESMTPSA id C; Fri, 20 Nov 2026 10:00:09 +0000",
            "from mx1 ([10.0.0.7]) by relay.reporter.example with LMTPA; Fri, 20 Nov 2026 10:00:08 +0000",
            "from mail.bad.example (mail.bad.example [203.0.113.9]) by mx1.reporter.example with ESMTP id D; "
            "Fri, 20 Nov 2026 10:00:00 +0000",
        )
    )

    assert report.source_ip == "203.0.113.9"
    assert report.authenticated is False and report.authenticated_as is None


def test_fetchmail_retrieval_continues_the_trust():
    report = parse_report(
        _mail(
            "from localhost (localhost [127.0.0.1]) by pc.home.example (Postfix) with ESMTP; "
            "Fri, 20 Nov 2026 10:05:00 +0000",
            "from pop.provider.example [192.0.2.30] by localhost with POP3 (fetchmail-6.4) "
            "for <me@localhost>; "
            "Fri, 20 Nov 2026 10:05:00 +0000",
            "from mail.bad.example (mail.bad.example [203.0.113.9]) by pop.provider.example with ESMTP; "
            "Fri, 20 Nov 2026 10:00:00 +0000",
        )
    )

    assert report.source_ip == "203.0.113.9"


def test_ipv6_and_ipv4_mapped_addresses_are_normalised():
    v6 = parse_report(
        _mail(
            "from mail6.bad.example (mail6.bad.example [IPv6:2001:0db8:0:0:0:0:0:25]) by mx.reporter.example "
            "with ESMTPS; Fri, 20 Nov 2026 10:00:00 +0000"
        )
    )
    mapped = parse_report(
        _mail(
            "from [IPv6:::ffff:203.0.113.68] (unknown [IPv6:::ffff:203.0.113.68]) by mx.reporter.example "
            "with ESMTP; Fri, 20 Nov 2026 10:00:00 +0000"
        )
    )

    assert v6.source_ip == "2001:db8::25"
    assert mapped.source_ip == "203.0.113.68"


def test_the_hop_zone_offset_gives_the_utc_instant():
    report = parse_report(
        _mail(
            "from mail.bad.example (mail.bad.example [203.0.113.9]) by mx.reporter.example with ESMTP; "
            "Sat, 21 Nov 2026 08:30:00 +0900 (JST)",
            extra="Date: Fri, 20 Nov 2026 00:00:00 -0800\n",
        )
    )

    assert report.occurred_at == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert report.occurred_at_basis == "origin-hop"


def test_no_received_headers_fall_back_to_the_date_header():
    report = parse_report(b"From: x@bad.example\nDate: Fri, 20 Nov 2026 10:00:00 +0100\n\nhi\n")

    assert report.source_ip is None
    assert report.occurred_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert report.occurred_at_basis == "date-header"


def test_the_xfailed_fixtures_pass_when_the_forwarders_are_known():
    # spamassassin/001 and /004: the recipient forwarded mail between his own domains,
    # through mail servers whose addresses his inventory lists.
    for name, domains, servers, source in (
        ("001", ("netnoteinc.com", "webnote.net"), {"193.120.211.219"}, "24.226.157.50"),
        ("004", ("netnoteinc.com",), {"193.120.149.226"}, "61.119.13.18"),
    ):
        raw = (LOCAL_FIXTURES / "spamassassin" / name).read_bytes()
        report = parse_report(raw, trust=TrustContext(own_domains=domains, is_own_mail_server=servers.__contains__))
        assert report.source_ip == source, name


def test_a_name_under_our_domain_is_not_one_of_our_mail_servers():
    # ISPs name their customers' lines under their own domain: the bot's line is the
    # origin, and the line it forged below names a host it wants blamed.
    report = parse_report(
        _mail(
            "from user-pc (p23-dyn.isp.example [203.0.113.23]) by mx.reporter.example (Postfix) "
            "with ESMTP id A1; Fri, 20 Nov 2026 10:00:00 +0000",
            "from mail.customer.example (mail.customer.example [192.0.2.5]) by p23-dyn.isp.example "
            "with ESMTP id B2; Fri, 20 Nov 2026 09:59:58 +0000",
        ),
        trust=OURS,
    )

    assert report.source_ip == "203.0.113.23"
    assert [hop.trusted for hop in report.hops] == [True, False]


def _microsoft_365_chain(bottom_from: str) -> bytes:
    """A message as Exchange Online stamps it: its hosts change registrable domain
    (protection.outlook.com, office365.com, outlook.com, exchangelabs.com) on the way."""
    return _mail(
        "from AM0PR01MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:208:1a::12) by "
        "AM0PR01MB5678.eurprd01.prod.exchangelabs.com (2603:10a6:208:2b::30) with Microsoft SMTP Server "
        "(version=TLS1_2) id 15.20.8048.24; Fri, 20 Nov 2026 10:00:12 +0000",
        "from AS9PR06CA0012.eurprd06.prod.outlook.com (2603:10a6:20b:462::17) by "
        "AM0PR01MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:208:1a::12) with Microsoft SMTP Server "
        "(version=TLS1_2) id 15.20.8048.24; Fri, 20 Nov 2026 10:00:11 +0000",
        "from AMS0EPF000001A0.eurprd05.prod.outlook.com (2603:10a6:20b:462:cafe::d1) by "
        "AS9PR06CA0012.outlook.office365.com (2603:10a6:20b:462::17) with Microsoft SMTP Server "
        "(version=TLS1_2) id 15.20.8048.27 via Frontend Transport; Fri, 20 Nov 2026 10:00:11 +0000",
        f"from {bottom_from} by AMS0EPF000001A0.mail.protection.outlook.com (10.167.16.230) with "
        "Microsoft SMTP Server id 15.20.8048.13 via Frontend Transport; Fri, 20 Nov 2026 10:00:10 +0000",
    )


def test_a_microsoft_365_chain_is_one_organisation_down_to_the_client_that_connected():
    report = parse_report(_microsoft_365_chain("host-85-214-3-77.dyn.isp.example (85.214.3.77)"), trust=OURS)

    assert report.source_ip == "85.214.3.77"
    assert [hop.trusted for hop in report.hops] == [True, True, True, True]
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, 10, tzinfo=UTC)


def test_an_origin_line_without_a_date_takes_the_time_of_the_trusted_line_above():
    # The Date header is the sender's clock; the receiver's next line is seconds later.
    report = parse_report(
        _mail(
            "from mx.reporter.example (mx.reporter.example [192.0.2.80]) by store.reporter.example "
            "with LMTP id A0; Fri, 20 Nov 2026 10:00:03 +0000",
            "from user-pc (unknown [203.0.113.23]) by mx.reporter.example (Postfix) with ESMTP id A1",
            extra="Date: Fri, 20 Nov 2026 08:30:00 +0000\n",
        ),
        trust=OURS,
    )

    assert report.source_ip == "203.0.113.23"
    assert (report.occurred_at, report.occurred_at_basis) == (
        datetime(2026, 11, 20, 10, 0, 3, tzinfo=UTC),
        "hop-above-origin",
    )


def test_headers_pasted_above_a_forward_of_the_same_spam_are_what_is_walked():
    # Outlook users paste the spam's headers, then forward it ("-----Original Message-----"):
    # the header-less forwarded copy inside says less than the pasted chain.
    body = (
        "Received: from user-pc (unknown [203.0.113.23]) by mx.reporter.example (Postfix) with ESMTP id A1; "
        "Fri, 20 Nov 2026 10:00:00 +0000\n"
        "From: Sale <sale@spammer.example>\nTo: joe@reporter.example\nSubject: Cheap pills\n"
        "Date: Fri, 20 Nov 2026 09:59:58 +0000\nMessage-ID: <m1@pc.invalid>\n\n"
        "-----Original Message-----\nFrom: Sale <sale@spammer.example>\n"
        "Sent: Friday, November 20, 2026 10:00 AM\nTo: Joe <joe@reporter.example>\nSubject: Cheap pills\n\n"
        "Buy cheap pills now http://cheap.example.net/x\n"
    )
    raw = (
        "From: Joe <joe@reporter.example>\nTo: abuse@isp.example\nSubject: FW: Cheap pills\n"
        "Date: Fri, 20 Nov 2026 10:30:00 +0000\n\n" + body
    ).encode()
    report = parse_report(raw, trust=OURS)

    assert report.message_kind == "complaint"
    assert (report.source_ip, report.source_basis) == ("203.0.113.23", "walked")
