"""Sending methods found mishandled by probing with crafted complaints (session 30): each
test is one class of real message, filed as a partner files it, and checked against
POLICY's rule and measure where the conclusion changed."""

from datetime import timedelta
from itertools import count

import pytest

from subscribers.services import maillog_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
_n = count(1)
BEFORE = HANDOVER - timedelta(minutes=1)  # C-1 holds 198.51.100.23
AFTER = HANDOVER + timedelta(minutes=1)  # C-2 holds it
SUBMIT_AT = HANDOVER - timedelta(minutes=30, seconds=3)  # the fixture's own log entry for taro


def utc(at) -> str:
    return f"{at:%a, %d %b %Y %H:%M:%S +0000}"


def spam(lines: list[str], *, sender="sale@spammer.example", msgid=None) -> bytes:
    head = [line if line.startswith("X-") else f"Received: {line}" for line in lines]
    head += [
        f"From: {sender}",
        "To: victim@receiver.example",
        "Subject: Cheap pills",
        f"Message-ID: {msgid or f'<sending{next(_n)}@pc.invalid>'}",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
    ]
    return ("\r\n".join(head) + "\r\n\r\nBuy now http://cheap.example.net/x\r\n").encode()


def filed(file, raw):  # noqa: F811
    report, case = file(raw, reporter=f"email:r{next(_n)}@receiver.example")
    return report["attribution"], case


def our_relay(at) -> str:
    return f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example (Postfix) with ESMTPS id 7Q; {utc(at)}"


# -- method 1: our smarthost, the login in the forms other MTAs write it ---------------------


def test_cpanel_exims_login_header_names_the_login_after_the_server(file):  # noqa: F811
    """cPanel's Exim writes "X-Authenticated-Sender: <its own name>: <login>". The server's
    name was read as the login: no such account, no rule, the mail account missed."""
    a, case = filed(file, spam([
        our_relay(SUBMIT_AT),
        f"from [198.51.100.23] (port=51234 helo=user-pc) by smtp1.isp.example.jp with esmtpsa (TLS1.2) (Exim 4.96) "
        f"(envelope-from <taro@isp.example.jp>) id 1vXyZa-000AbC-3C for victim@receiver.example; {utc(SUBMIT_AT)}",
        "X-AntiAbuse: Primary Hostname - smtp1.isp.example.jp",
        "X-Authenticated-Sender: smtp1.isp.example.jp: taro@isp.example.jp",
    ]))  # fmt: skip
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"][:1] == ["M-1"], codes(a)
    assert "login_not_in_inventory" not in codes(a)


def test_qmails_smtp_auth_stamp_names_the_client_and_the_login(file):  # noqa: F811
    """qmail's SMTP AUTH patches write "(login@ip)" where ident's answer goes. The client's
    address was not read at all: the origin became our own server, and nobody was named."""
    stamp = SUBMIT_AT.strftime("%d %b %Y %H:%M:%S -0000")
    a, _case = filed(file, spam([
        our_relay(SUBMIT_AT),
        f"from unknown (HELO user-pc) (taro@isp.example.jp@198.51.100.23) by smtp1.isp.example.jp with ESMTPA; {stamp}",
    ]))  # fmt: skip
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"] == ["M-1", "C-1"], codes(a)


def test_an_ident_answer_on_a_plain_smtp_line_is_no_login(file):  # noqa: F811
    """The same "(user@ip)" without an authenticated protocol is the client's own ident
    answer: it names no mail account, and the line's holder sent it (direct to the MX)."""
    a, _case = filed(file, spam([
        f"from unknown (HELO user-pc) (taro@198.51.100.23) by mx.receiver.example with SMTP; {utc(BEFORE)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-1"], codes(a)
    assert a["sending_method"] != "contracted_isp_server"
    assert "mail_account" not in codes(a)


def test_our_servers_queue_id_names_the_login_a_header_could_not(file):  # noqa: F811
    """A login header we cannot resolve (a display name, a panel's own format) gives way to
    the login our server logged for that very submission, joined by its queue ID."""
    maillog_record(
        kind="submission", service="smtp", login="taro", client_ip="198.51.100.23", at=SUBMIT_AT,
        host="smtp1", queue_id="4F2A1C3D9E", message_id="<q-1@pc.invalid>",
    )  # fmt: skip
    a, _case = filed(file, spam([
        our_relay(SUBMIT_AT),
        f"from pc (unknown [198.51.100.23]) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 4F2A1C3D9E; {utc(SUBMIT_AT)}",
        "X-Authenticated-Sender: uid-4711",
    ], msgid="<q-1@pc.invalid>"))  # fmt: skip
    assert a["accounts"][:1] == ["M-1"], codes(a)
    assert "login_from_maillog" in codes(a)
    assert "maillog_confirms" in codes(a)


# -- method 4: our customer through another provider's server -------------------------------


def test_another_providers_submission_and_outbound_hosts_are_one_organisation(file):  # noqa: F811
    """submit.other-isp.example took it with a login and out01.other-isp.example handed it
    on: one provider. The names differed, so the line was not read: nobody was named and
    the complaint was forwarded as not ours, where rule 9 names our customer as a lead."""
    a, case = filed(file, spam([
        f"from out01.other-isp.example (out01.other-isp.example [192.0.2.19]) by mx.receiver.example (Postfix) with ESMTPS id 16A; {utc(AFTER)}",
        f"from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) (Authenticated sender: bulk@other-isp.example) "
        f"by submit.other-isp.example (Postfix) with ESMTPSA id 16B; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == "other_isp_server"
    assert "submitted_to_other_isp" in codes(a)
    assert case["recommendation"]["rule"] == "9"


def test_gmail_submission_from_our_line_is_method_4(file):  # noqa: F811
    """smtp.gmail.com and mail-*.google.com are one provider's hosts."""
    pst = (AFTER - timedelta(hours=8)).strftime("%a, %d %b %Y %H:%M:%S -0800 (PST)")
    a, case = filed(file, spam([
        f"from mail-pf1-f170.google.com (mail-pf1-f170.google.com [209.85.210.170]) by mx.receiver.example (Postfix) with ESMTPS id 10A; {utc(AFTER)}",
        f"from user-pc (p1023-ipngn.dyn.isp.example.jp. [198.51.100.23]) by smtp.gmail.com with ESMTPSA id "
        f"a1sm1234567pfx.12.2026.11.19.21.31.00 for <victim@receiver.example>; {pst}",
    ], sender="spammer@gmail.com"))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == "other_isp_server"
    assert case["recommendation"]["rule"] == "9"


def test_another_providers_webmail_used_from_our_line(file):  # noqa: F811
    """ "from [ip] by web12345.mail.… via HTTP": a webmail sends only for a signed-in user."""
    a, _case = filed(file, spam([
        f"from web12345.mail.other-isp.example (web12345.mail.other-isp.example [192.0.2.20]) by mx.receiver.example (Postfix) with ESMTPS id 17A; {utc(AFTER)}",
        f"from [198.51.100.23] by web12345.mail.other-isp.example via HTTP; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == "other_isp_server"


def test_an_unauthenticated_line_below_another_server_is_still_not_read(file):  # noqa: F811
    """Without a login or a webmail, the other server's line below could be anyone's text."""
    a, _case = filed(file, spam([
        f"from out01.other-isp.example (out01.other-isp.example [192.0.2.19]) by mx.receiver.example (Postfix) with ESMTPS id 16C; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by submit.other-isp.example (Postfix) with ESMTP id 16D; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == [], codes(a)


# -- the receiver's filtering service --------------------------------------------------------


@pytest.mark.parametrize(
    "gateway",
    [
        ("mx0a-00123.pphosted.com", "mx0a-00123.pphosted.com"),
        ("eu-smtp-inbound-1.mimecast.com", "eu-smtp-inbound-1.mimecast.com"),
        ("mx1.hc1234-56.iphmx.com", "mx1.hc1234-56.iphmx.com"),
        # Barracuda hands over from ess.barracuda.com and writes its lines as cudaops.com
        ("outbound-ip24b.ess.barracuda.com", "mx-inbound12-3.us-east-2a.ess.aws.cudaops.com"),
    ],
)
def test_a_receiver_behind_a_filtering_service_names_the_host_that_connected_to_it(file, gateway):  # noqa: F811
    """The receiver's MX is Proofpoint, Mimecast, Cisco…: the walk stopped at the gateway,
    so nobody was named and the complaint was forwarded to the receiver's own filter."""
    handing, writing = gateway
    a, case = filed(file, spam([
        f"from {handing} ({handing} [148.163.1.1]) by mx.receiver.example (Postfix) with ESMTPS id 18A; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by {writing} (8.17.1.19/8.17.1.19) with ESMTP id 18B for <victim@receiver.example>; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == "self_operated_server"
    assert case["recommendation"]["rule"] == "4"


def test_two_filtering_services_in_one_chain_are_both_walked_past(file):  # noqa: F811
    """Mimecast hands the mail to the receiver's Cisco cloud, which hands it to the
    receiver's own server: each service confirmed by name, each writing the line below.
    The walk stopped at the first service and named nobody."""
    a, _case = filed(file, spam([
        f"from esa1.hc1234-56.iphmx.com (esa1.hc1234-56.iphmx.com [68.232.1.1]) by mx.receiver.example (Postfix) with ESMTPS id 18J; {utc(AFTER)}",
        f"from eu-smtp-inbound-1.mimecast.com (eu-smtp-inbound-1.mimecast.com [91.220.42.1]) by esa1.hc1234-56.iphmx.com with ESMTP id 18K; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by eu-smtp-inbound-1.mimecast.com with ESMTP id 18L; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)


def test_a_second_service_the_first_did_not_confirm_vouches_for_nothing(file):  # noqa: F811
    """Below the receiver's service, a host greeting as another service with no confirmed
    name is the origin, whatever it wrote below."""
    a, _case = filed(file, spam([
        f"from esa1.hc1234-56.iphmx.com (esa1.hc1234-56.iphmx.com [68.232.1.1]) by mx.receiver.example (Postfix) with ESMTPS id 18M; {utc(AFTER)}",
        f"from eu-smtp-inbound-1.mimecast.com (unknown [{SPAMMER}]) by esa1.hc1234-56.iphmx.com with ESMTP id 18N; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by eu-smtp-inbound-1.mimecast.com with ESMTP id 18P; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == [], codes(a)


def test_a_gateway_named_only_by_its_greeting_is_not_trusted(file):  # noqa: F811
    """A HELO is the client's word: "pphosted.com" with no looked-up name vouches for nothing."""
    a, _case = filed(file, spam([
        f"from mx0a-00123.pphosted.com (unknown [192.0.2.77]) by mx.receiver.example (Postfix) with ESMTPS id 18C; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by mx0a-00123.pphosted.com with ESMTP id 18D; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == [], codes(a)


def test_a_gateway_relaying_from_a_private_network_stays_the_origin(file):  # noqa: F811
    """Below the gateway the chain ends in someone's private network (outbound relaying):
    the gateway's edge is as far as the chain says, as before."""
    a, _case = filed(file, spam([
        f"from mx0b-00123.pphosted.com (mx0b-00123.pphosted.com [148.163.1.2]) by mx.receiver.example (Postfix) with ESMTPS id 18E; {utc(AFTER)}",
        f"from exch01.corp.example (exch01.corp.example [10.1.2.3]) by mx0b-00123.pphosted.com with ESMTP id 18F; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["roles"] == [] or "not_ours" in codes(a), codes(a)
    assert a["accounts"] == []


def test_a_line_of_ours_named_like_a_filtering_service_is_no_gateway(file):  # noqa: F811
    """A customer sets its own reverse name ("mx0a-….pphosted.com") and a receiver that
    does not confirm it writes it down: a host in our address space is no receiver's
    filter, so the line it wrote below (here naming an outside host) is its own word."""
    a, _case = filed(file, spam([
        f"from mx0a-00999.pphosted.com (mx0a-00999.pphosted.com [198.51.100.23]) by mx.receiver.example (Postfix) with ESMTPS id 18G; {utc(AFTER)}",
        f"from victim-pc (unknown [203.0.113.9]) by mx0a-00999.pphosted.com with ESMTP id 18H; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)


# -- greetings ---------------------------------------------------------------------------------


def test_a_greeting_of_a_big_providers_host_under_another_of_its_domains_is_a_claim(file):  # noqa: F811
    """mail-pf1-f170.google.com is Gmail's: from a customer's line it is a bot's claim to be
    somebody else (rule 5, the holder a victim), as gmail.com already was."""
    a, case = filed(file, spam([
        f"from mail-pf1-f170.google.com (unknown [198.51.100.23]) by mx.receiver.example (Postfix) with ESMTP id 2J; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"]
    assert a["sending_method"] == "hijacked_host", codes(a)
    assert case["recommendation"]["rule"] == "5"


def _eop_inbound(at) -> list[str]:
    """Exchange Online took the mail in for the receiver's tenant and relayed it on to the
    receiver's own server through its outbound hosts (a hybrid setup)."""
    return [
        "from JPN01-OS0-obe.outbound.protection.outlook.com (mail-os0jpn01on2050.outbound.protection.outlook.com "
        f"[40.107.113.50]) by mail.receiver.example (Postfix) with ESMTPS id 19A; {utc(at)}",
        "from TYCP286MB1234.JPNP286.PROD.OUTLOOK.COM (2603:1096:400:1a1::5) by OS3P286MB2345.JPNP286.PROD.OUTLOOK.COM "
        f"(2603:1096:604:1f1::7) with Microsoft SMTP Server id 15.20.7000.10; {utc(at)}",
        "from OS0JPN01FT012.eop-JPN01.prod.protection.outlook.com (2603:1096:400:1a1:cafe::4c) by "
        "TYCP286MB1234.JPNP286.PROD.OUTLOOK.COM (2603:1096:400:1a1::5) with Microsoft SMTP Server id 15.20.7000.10 "
        f"via Frontend Transport; {utc(at)}",
        "from user-pc (198.51.100.23) by OS0JPN01FT012.mail.protection.outlook.com (10.13.177.86) with Microsoft "
        f"SMTP Server id 15.20.7000.10 via Frontend Transport; {utc(at)}",
    ]  # fmt: skip


def test_exchange_online_in_front_of_the_receivers_own_server_stops_at_microsoft(file):  # noqa: F811
    """Microsoft 365 relaying to the receiver's on-premises server writes the same lines as
    a sender's tenant relaying its own server's mail through a connector: nobody below
    Microsoft's edge is named (a tenant's connector could name anyone)."""
    a, _case = filed(file, spam(_eop_inbound(BEFORE)))
    assert a["accounts"] == [], codes(a)


def test_a_microsoft_365_tenants_own_mail_still_stops_at_microsofts_edge(file):  # noqa: F811
    """Without Exchange Online's inbound front door below, the outbound host carries a
    tenant's own mail: it is not walked past, as before (not ours)."""
    lines = _eop_inbound(BEFORE)[:2] + [
        f"from [192.168.1.20] (198.51.100.23) by TYCP286MB1234.JPNP286.PROD.OUTLOOK.COM with ESMTPSA; {utc(BEFORE)}",
    ]  # fmt: skip
    a, _case = filed(file, spam(lines, sender="sales@tenant.onmicrosoft.com"))
    assert a["accounts"] == [], codes(a)


SPAMMER = "45.33.12.34"  # a rented server abroad, not ours


def forged_gateway_line(at, gateway="mx0a-00123.pphosted.com") -> str:
    return (
        f"from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) by {gateway} (8.17.1.19/8.17.1.19) "
        f"with ESMTP id 3x1abc2def-1 for <victim@receiver.example>; {utc(at)}"
    )


@pytest.mark.parametrize(
    "top",
    [
        # Exchange writes the client's greeting, not a looked-up name
        f"from mx0a-00123.pphosted.com ({SPAMMER}) by EXCH01.receiver.example (10.0.0.6) with Microsoft SMTP Server "
        "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1258.28",
        # sendmail says the reverse name does not resolve back
        f"from mx0a-00123.pphosted.com (mx0a-00123.pphosted.com [{SPAMMER}] (may be forged)) by mx.receiver.example "
        "(8.15.2/8.15.2) with ESMTP id 5AK5VWx1012345",
        # qmail's tcpserver never confirms the reverse name
        f"from mx0a-00123.pphosted.com (HELO mx0a-00123.pphosted.com) ({SPAMMER}) by mx.receiver.example with SMTP",
    ],
    ids=["exchange-greeting", "sendmail-may-be-forged", "qmail-unconfirmed"],
)
def test_a_gateway_name_the_receiver_did_not_confirm_vouches_for_nothing(file, top):  # noqa: F811
    """A spammer greets as Proofpoint, or sets its own reverse name to one, and writes a
    line below blaming our customer: only a name the receiver looked up and confirmed
    makes a filtering service."""
    a, _case = filed(file, spam([f"{top}; {utc(AFTER)}", forged_gateway_line(AFTER)]))
    assert a["accounts"] == [], codes(a)


def test_a_tenants_connector_mail_is_not_walked_past_microsofts_front_door(file):  # noqa: F811
    """A spammer's own Microsoft 365 tenant relays from its server through a connector and
    that server adds a line naming our customer's line as its submitter."""
    a, _case = filed(file, spam([
        "from JPN01-OS0-obe.outbound.protection.outlook.com (mail-os0jpn01on2050.outbound.protection.outlook.com "
        f"[40.107.113.50]) by mx.receiver.example (Postfix) with ESMTPS id 19A; {utc(AFTER)}",
        "from OS0JPN01FT012.eop-JPN01.prod.protection.outlook.com (2603:1096:400:1a1:cafe::4c) by "
        f"TYCP286MB1234.JPNP286.PROD.OUTLOOK.COM (2603:1096:400:1a1::5) with Microsoft SMTP Server id 15.20.7000.10; {utc(AFTER)}",
        f"from TYAPR01MB9999.jpnprd01.prod.outlook.com ({SPAMMER}) by OS0JPN01FT012.mail.protection.outlook.com "
        f"(10.13.177.86) with Microsoft SMTP Server id 15.20.7000.10 via Frontend Transport; {utc(AFTER)}",
        f"from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) by TYAPR01MB9999.jpnprd01.prod.outlook.com "
        f"with ESMTPSA; {utc(AFTER)}",
    ], sender="sales@tenant.onmicrosoft.com"))  # fmt: skip
    assert a["accounts"] == [], codes(a)


def pst(at) -> str:
    return (at - timedelta(hours=8)).strftime("%a, %d %b %Y %H:%M:%S -0800 (PST)")


def test_gmail_submission_in_gmails_own_layout_is_method_4(file):  # noqa: F811
    """Gmail's outbound host writes a line of its own with no "from" between the receiver's
    line and smtp.gmail.com's: the submission line is read past it."""
    a, case = filed(file, spam([
        f"from mail-pf1-f170.google.com (mail-pf1-f170.google.com [209.85.210.170]) by mx.receiver.example (Postfix) with ESMTPS id 10A; {utc(AFTER)}",
        f"by mail-pf1-f170.google.com with SMTP id d2e1a72fcca58-6e69a13e08aso1234567b3a.1 for <victim@receiver.example>; {pst(AFTER)}",
        f"X-Received: by 2002:a05:6a00:1a8e:b0:6e6:1234:5678 with SMTP id g14mr123456pfv.45.1763617860000; {pst(AFTER)}",
        f"from user-pc (p1023-ipngn.dyn.isp.example.jp. [198.51.100.23]) by smtp.gmail.com with ESMTPSA id "
        f"a1sm1234567pfx.12.2026.11.19.21.31.00 for <victim@receiver.example> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); {pst(AFTER)}",
    ], sender="spammer@gmail.com"))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == "other_isp_server"


@pytest.mark.parametrize(
    "below",
    [
        "from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) (Authenticated sender: x@other.example) "
        "by email-smtp.us-east-1.amazonaws.com with ESMTPSA id 23C",
        "from [198.51.100.23] by web1.amazonaws.com via HTTP",
    ],
    ids=["submission", "webmail"],
)
def test_a_rented_machine_is_no_provider_whose_lines_are_read(file, below):  # noqa: F811
    """ec2-45-33-12-34.compute-1.amazonaws.com is whoever rents it: the lines it writes below
    its own, naming another host of the cloud's domain, are its own word."""
    a, _case = filed(file, spam([
        f"from ec2-45-33-12-34.compute-1.amazonaws.com (ec2-45-33-12-34.compute-1.amazonaws.com [{SPAMMER}]) by mx.receiver.example (Postfix) with ESMTPS id 23B; {utc(AFTER)}",
        f"{below}; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == [], codes(a)


@pytest.mark.parametrize(
    "header", ["X-Authenticated-Sender: hanako", "X-Authenticated-Sender: smtp1.isp.example.jp: hanako@isp.example.jp"]
)
def test_our_servers_log_wins_over_a_login_header_naming_another_customer(file, header):  # noqa: F811
    """taro submits with his own login (our log, joined by our server's queue ID) and adds a
    login header naming hanako, which Postfix never writes: our own record wins."""
    maillog_record(
        kind="submission", service="smtp", login="taro", client_ip="198.51.100.23", at=SUBMIT_AT,
        host="smtp1", queue_id="4F2A1C3DA0", message_id="<e2@pc.invalid>",
    )  # fmt: skip
    a, _case = filed(file, spam([
        our_relay(SUBMIT_AT),
        f"from pc (unknown [198.51.100.23]) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 4F2A1C3DA0; {utc(SUBMIT_AT)}",
        header,
    ], msgid="<e2@pc.invalid>"))  # fmt: skip
    assert a["accounts"][:1] == ["M-1"], codes(a)
    assert "M-2" not in a["accounts"]
    assert "maillog_names_another_login" in codes(a)


def test_sendmails_ident_answer_on_an_authenticated_line_is_no_login(file):  # noqa: F811
    """sendmail writes the client's identd answer as "(hanako@[ip])" beside "(authenticated
    bits=0)": the client's own word, not the login."""
    a, _case = filed(file, spam([
        our_relay(SUBMIT_AT),
        f"from user-pc (hanako@[198.51.100.23]) (authenticated bits=0) by smtp1.isp.example.jp (8.15.2/8.15.2) "
        f"with ESMTP id 5AK5VWx1012399; {utc(SUBMIT_AT)}",
    ]))  # fmt: skip
    assert "M-2" not in a["accounts"], codes(a)


# -- the recipient's own fetch (published reports, session 32) ---------------------------------


def test_a_recipients_fetchmail_from_a_provider_under_another_brand_is_walked_past(file):  # noqa: F811
    """fetchmail pulled the spam from pop.mindspring.com; EarthLink's inbound server (the
    same provider under its other name) wrote the line below. The walk stopped at the POP
    server, blamed the recipient's own provider, and named nobody of ours."""
    a, _case = filed(file, spam([
        f"from pop.mindspring.com [207.69.200.119] by mailgate.cesmail.net with POP3 (fetchmail-6.2.1) for x (single-drop); {utc(AFTER)}",
        f"from user-pc ([198.51.100.23]) by gideon.mail.atl.earthlink.net (EarthLink SMTP Server) with ESMTP id 1ajtCI2; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == ["C-2"], codes(a)


def test_a_local_delivery_is_still_checked_against_the_line_below(file):  # noqa: F811
    """LMTP hands mail over inside one site: the line below must still be its sender's."""
    a, _case = filed(file, spam([
        f"from filter.receiver.example (filter.receiver.example [192.0.2.99]) by store.receiver.example with LMTP id 20A; {utc(AFTER)}",
        f"from user-pc (unknown [198.51.100.23]) by mx.elsewhere.example with ESMTP id 20B; {utc(AFTER)}",
    ]))  # fmt: skip
    assert a["accounts"] == [], codes(a)
