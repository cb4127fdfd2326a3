"""Notices of kinds found misread by running published abuse reports through the desk
(session 29): each test is one class of real notice, written here in its own words."""

from __future__ import annotations

import pytest

from complaints.parsing import TrustContext, parse_report
from complaints.parsing.complaint import named_addresses

TRUST = TrustContext(own_domains=("isp.example.jp",))


def parse(raw: str):
    return parse_report(raw.replace("\n", "\r\n").encode(), content_type="message/rfc822", trust=TRUST)


def test_a_programs_notice_redirected_to_the_desk_is_read():
    """A provider's notice (RFC 3834 "auto-generated") that reached our support mailbox and
    was redirected (Resent-*) to the desk was dismissed as an automatic reply, and the
    address it names was never read."""
    parsed = parse(
        "Resent-From: <support@isp.example.jp>\nResent-To: <abuse@isp.example.jp>\n"
        "From: Provider Abuse Team <abuse-reply@provider.example>\nTo: <support@isp.example.jp>\n"
        "Subject: Abuse Complaint [444261]\nAuto-Submitted: auto-generated\n"
        "Date: Sat, 04 Aug 2018 08:00:00 +0000\nMessage-ID: <n1@provider.example>\n\n"
        "Dear customer,\n\nWe have received an abuse notification regarding an IP address assigned to you.\n"
        "Timestamp: 2018-08-04T07:04:53Z\nIP Address: 198.51.100.23\nPort: 16269\n"
    )
    assert parsed.parse_error is None
    assert not any("automatic reply" in p for p in parsed.problems)
    assert parsed.source_ip == "198.51.100.23" and parsed.reporter == "abuse-reply@provider.example"


def test_a_safe_browsing_style_listing_speaks_about_abuse():
    parsed = parse(
        "Resent-From: <abuse@isp.example.jp>\nFrom: Browsing Protection <noreply@search.example>\n"
        "To: abuse@isp.example.jp\nSubject: Safe Browsing Report for ASN64500 on 08/04/2020\n"
        "Auto-Submitted: auto-generated\nDate: Tue, 04 Aug 2020 08:00:00 +0000\n\n"
        '<notification_message asn="64500"><list type="1"><url_info url="http://shop.example.jp/m/"\n'
        'ip="203.0.113.70" /></list></notification_message>\n'
    )
    assert parsed.source_ip == "203.0.113.70"
    assert not any("automatic reply" in p for p in parsed.problems)


RT_NOTICE = (
    'From: "National CERT" <cert@cert.example>\nTo: abuse@isp.example.jp\n'
    "Subject: [CERT-XX #168084] Malicious web shell at 203.0.113.70\n"
    "Auto-Submitted: auto-replied\nPrecedence: bulk\nIn-Reply-To:\nReferences: <RT-Ticket-168084@cert.example>\n"
    "Date: Mon, 02 Dec 2024 10:00:00 +0000\n\n"
    "Hello,\n\nA malicious web shell was found at 203.0.113.70 on 2024-12-01 23:00 UTC.\nPlease remove it.\n"
)


def test_a_ticket_systems_first_mail_is_a_notice_not_an_automatic_reply():
    """Request Tracker marks the mail that opens a ticket "auto-replied" too; it answers
    nothing of ours (its References name only its own ticket) and quotes nothing."""
    parsed = parse(RT_NOTICE)
    assert parsed.parse_error is None
    assert parsed.source_ip == "203.0.113.70" and parsed.category == "malware"


def test_a_ticket_systems_receipt_for_our_mail_is_still_an_automatic_reply():
    receipt = RT_NOTICE.replace(
        "References: <RT-Ticket-168084@cert.example>", "References: <reply-77@isp.example.jp>"
    )
    assert "automatic reply" in (parse(receipt).parse_error or "")
    quoted = RT_NOTICE.replace("Please remove it.\n", "Please remove it.\n\n> We received spam from 198.51.100.23\n")
    assert "automatic reply" in (parse(quoted).parse_error or "")


def test_a_blocklist_query_name_is_no_address():
    """"198.55.154.24.zen.spamhaus.org" is the lookup of 24.154.55.198: reading its first
    four labels as an address names somebody else (reversed, it may be one of ours)."""
    named, others = named_addresses(
        "Your mail was blocked: listed on sbl: 5.113.0.203.zen.spamhaus.org (see 203.0.113.5.in-addr.arpa)"
    )
    assert named is None and others == []


def test_a_whois_range_or_prefix_is_no_address():
    text = "inetnum: 185.100.212.0 - 185.100.215.255\nroute: 185.100.212.0/22\nrip=203.0.113.5, lip=10.0.0.1"
    assert named_addresses(text)[0] == "203.0.113.5"


def test_the_target_of_an_attack_is_not_chosen_over_the_listed_source():
    text = (
        "We observed DNS lookups (udp/53) to 216.239.32.10 from your network.\n\n"
        "  source_ipaddr   | last_seen_utc\n  203.0.113.5      | 05/31 23:26\n"
    )
    assert named_addresses(text)[0] == "203.0.113.5"


def test_a_feedback_report_with_a_day_and_no_time_is_still_read():
    """United Online's loop writes "Arrival-Date: 17 Feb 2014": the report was sent to a
    person as unreadable, though its source and its copy's time were there."""
    parsed = parse(
        "From: fbl@fbl.example\nTo: fbl@isp.example.jp\nSubject: FW: Report\nDate: Mon, 17 Feb 2014 15:00:00 +0000\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nA complaint.\n"
        "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: UOL Feedback Loop 1.0\n"
        "Version: 1\nSource-IP: 198.51.100.23\nArrival-Date: 17 Feb 2014\n"
        "--B\nContent-Type: message/rfc822\n\n"
        "Received: from pc (unknown [198.51.100.23]) by mx.fbl.example with ESMTP id 1; Mon, 17 Feb 2014 13:52:21 +0000\n"
        "From: a@spammer.example\nSubject: buy\n\nbuy now\n--B--\n"
    )
    assert parsed.parse_error is None
    assert parsed.source_ip == "198.51.100.23"
    assert parsed.occurred_at.isoformat() == "2014-02-17T13:52:21+00:00"
    assert any("a day with no time" in p for p in parsed.problems)


def test_an_x_arf_report_part_wins_over_whois_pasted_in_the_text():
    parsed = parse(
        "From: reports@notifier.example\nTo: abuse@isp.example.jp\nX-ARF: YES\nSubject: abuse report about 203.0.113.5\n"
        'Date: Sat, 02 Nov 2024 20:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain; charset=utf-8\n\nLogin attacks from your network. Whois:\n\n"
        "inetnum:        203.0.113.0 - 203.0.113.255\nsource:         RIPE\n"
        '--B\nContent-Type: text/plain; charset=utf-8; name="report.txt"\n\n'
        "Reported-From: reports@notifier.example\nCategory: abuse\nReport-Type: login-attack\n"
        "Service: ssh\nVersion: 0.2\nDate: Sat, 02 Nov 2024 20:13:45 +0100\nSource-Type: ipv4\nSource: 203.0.113.5\n"
        "--B--\n"
    )
    assert parsed.parse_error is None
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2024-11-02T19:13:45+00:00"


def notice(body: str) -> str:
    return (
        "From: noc@reporter.example\nTo: abuse@isp.example.jp\nSubject: Abuse from 203.0.113.5\n"
        f"Date: Fri, 20 Nov 2026 12:00:00 +0000\n\n{body}"
    )


def test_an_iso_time_with_fractions_keeps_its_offset():
    """"2023-09-28T16:55:19.000+00:00" was read with no zone, so no dynamic holder was named."""
    parsed = parse(notice("IP address: 203.0.113.5\nstart:\t2026-11-20T05:29:10.000+00:00\n"))
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert parsed.occurred_at_no_zone is False


@pytest.mark.parametrize(
    ("body", "at"),
    [
        ("Timezone: UTC +0900 (JST)\n\n2026/11/20 14:29:10 [123] IP=203.0.113.5 Result='Logon'\n", "05:29:10"),
        ("< Log Information (timezone: UTC+0000) >\nIP,timestamp,port\n203.0.113.5,2026-11-20 05:29:10,41990\n", "05:29:10"),
        ("Incident ID: 58\nDate seen (UTC): 2026-11-20 05:29:10\nIP: 203.0.113.5\n", "05:29:10"),
        ("TIME (UTC)           SRC          SRC-PORT\n2026-11-20 05:29:10  203.0.113.5  59547\n", "05:29:10"),
        ("Source: 203.0.113.5\nDate/timestamps (at the very left) are UTC.\n\n2026-11-20 05:29:10.504907 IP 203.0.113.5.123 > x\n", "05:29:10.504907"),
        ("All times are in localtime (currently MESZ (GMT +02:00)).\n\n203.0.113.5 2026-11-20 07:29:10\n", "05:29:10"),
        ("source_ipaddr | last_seen_utc\n203.0.113.5 | 2026-11-20 05:29:10\n", "05:29:10"),
    ],
)
def test_a_zone_the_report_declares_once_is_the_zone_of_its_times(body, at):
    """Reports name the zone once (a line above the log, a column, a sentence), not beside
    each time: the time was read as UTC and marked zone-less, or nine hours off."""
    parsed = parse(notice(body))
    assert parsed.occurred_at.isoformat() == f"2026-11-20T{at}+00:00"
    assert parsed.occurred_at_no_zone is False


def test_two_different_declared_zones_declare_none():
    parsed = parse(notice("Timezone: UTC+0900\nAll times are in UTC.\n\n203.0.113.5 2026-11-20 05:29:10\n"))
    assert parsed.occurred_at_no_zone is True


def with_attachment(name: str, ctype: str, data: bytes, *, subject: str, body: str, headers: str = "") -> str:
    import base64

    encoded = base64.encodebytes(data).decode()
    return (
        f"From: reports@scanner.example\nTo: abuse@isp.example.jp\nSubject: {subject}\n{headers}"
        'Date: Mon, 09 Nov 2026 08:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
        f"--B\nContent-Type: text/plain\n\n{body}\n"
        f'--B\nContent-Type: {ctype}; name="{name}"\nContent-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\n\n{encoded}--B--\n"
    )


def zipped(name: str, text: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


INTELMQ = (
    "time.source;source.ip;protocol.transport;source.port;classification.identifier\n"
    "2026-11-20T06:29:10+01;203.0.113.5;tcp;443;vulnerable-exchange\n"
    "2026-11-20T07:00:00+01;203.0.113.70;tcp;443;vulnerable-exchange\n"
)


@pytest.mark.parametrize(
    ("name", "ctype", "data"),
    [
        ("2026-11-20-vulnerable.csv", "text/csv", INTELMQ.encode()),
        ("2026-11-20-vulnerable.csv.zip", "application/zip", zipped("2026-11-20-vulnerable.csv", INTELMQ)),
    ],
)
def test_a_notice_with_its_events_in_an_attached_table_names_the_first_rows_source(name, ctype, data):
    """A CERT's table of events (IntelMQ's columns; "+01" is an offset too): no address
    was read, and a zipped one made the notice read as the spam itself."""
    parsed = parse(with_attachment(name, ctype, data, subject="Vulnerable devices in your network",
                                   body="Dear network owner, see the attached events."))  # fmt: skip
    assert parsed.message_kind != "spam"
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert any("attached table" in p for p in parsed.problems)


def test_a_scanning_projects_zipped_report_is_no_spam_and_its_relay_no_origin():
    """A feed's daily report, mailed by a list server: walking its own Received chain
    opened a spam case against the mail relay."""
    table = '"timestamp","protocol","http_referer_ip","http_referer_port","dst_ip","dst_port"\n'
    table += '"2026-11-20 05:29:10","tcp","203.0.113.5","51234","192.0.2.200","80"\n'
    raw = with_attachment(
        "2026-11-20-event4_sinkhole_http_referer-asn.csv.zip", "application/zip", zipped("r.csv", table),
        subject="[ISP] Scanning Project Sinkhole HTTP Referer Report", body="The report is attached.",
        headers="Received: from list.scanner.example (list.scanner.example [192.0.2.99]) by mx.isp.example.jp "
        "with ESMTP id 1; Mon, 09 Nov 2026 08:00:01 +0000\nPrecedence: list\n",
    )  # fmt: skip
    parsed = parse(raw)
    assert parsed.message_kind == "machine_report"
    assert parsed.source_ip == "203.0.113.5" and parsed.source_basis != "walked"


def test_a_pasted_table_names_its_source_column_not_the_honeypot_before_it():
    parsed = parse(
        notice(
            "Malware from your constituency reached our honeypots:\n\n"
            "Time,Destination IP,Dest. Port,Source IP,Sc. Port,Type of malware\n"
            "2026-11-20 05:29:10 +0000,192.0.2.250,445,203.0.113.5,4206,Win32:Rbot\n"
        )
    )
    assert parsed.source_ip == "203.0.113.5"


def test_a_zip_of_programs_is_no_table_and_spam_stays_spam():
    raw = with_attachment(
        "invoice.zip", "application/zip", zipped("invoice.js", "var a = 1;"),
        subject="Your invoice", body="Please see the invoice attached.",
        headers="Received: from pc (unknown [198.51.100.23]) by mx.isp.example.jp with ESMTP id 2; "
        "Mon, 09 Nov 2026 08:00:01 +0000\n",
    )  # fmt: skip
    parsed = parse(raw.replace("To: abuse@isp.example.jp", "To: user@isp.example.jp"))
    assert parsed.message_kind == "spam" and parsed.source_ip == "198.51.100.23"


def test_a_copy_under_a_quoted_mbox_line_keeps_its_headers():
    """SpamCop puts '"From x@y Fri Jul 28 10:24:08 2017"' above the copy it encloses: the
    copy was read as headerless ("redacted or empty"), and its Received chain was lost."""
    parsed = parse(
        "From: spamcop@reports.example\nTo: abuse@isp.example.jp\nSubject: [SpamCop (http://x) id:1] buy\n"
        'Date: Fri, 20 Nov 2026 06:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/report; '
        'report-type=feedback-report; boundary="B"\n\n--B\nContent-Type: text/plain\n\nSpam report\n'
        "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: SpamCop\nVersion: 1\n"
        "Received-Date: Fri, 20 Nov 2026 05:29:10 +0000\n"
        "--B\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n"
        '"From sale@spammer.example Fri Nov 20 05:29:12 2026"\n'
        "Received: from pc (pc.dyn.example [198.51.100.23]) by mx.receiver.example with SMTP id 1;\n"
        " Fri, 20 Nov 2026 05:29:10 +0000\nFrom: sale@spammer.example\nSubject: buy\n\nbuy now http://cheap.example.net/\n"
        "--B--\n"
    )
    assert parsed.header_source_ip == "198.51.100.23"
    assert not any("redacted or empty" in p for p in parsed.problems)


def test_a_getmail_imap4_fetch_is_the_recipients_own_step():
    """"with IMAP4 getmail6": the recipient's program fetching its own mailbox (as
    fetchmail's "with IMAP" already was), never where the spam came from."""
    parsed = parse(
        "Received: from gw2.reporter.example (192.0.2.6:143) by gw2 with IMAP4 getmail6;\n"
        " Fri, 20 Nov 2026 06:00:00 -0000\n"
        "Received: from pc (unknown [198.51.100.23]) by mx.reporter.example (Postfix) with ESMTP id 1;\n"
        " Fri, 20 Nov 2026 05:29:10 +0000\n"
        "From: sale@spammer.example\nTo: user@reporter.example\nSubject: buy\nMessage-ID: <g1@pc.invalid>\n"
        "Date: Fri, 20 Nov 2026 05:29:00 +0000\n\nbuy now\n"
    )
    assert parsed.source_ip == "198.51.100.23"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"


def test_a_loops_source_ip_on_a_line_below_the_reporters_inner_relay_agrees_with_the_copy():
    """Loops run for a mailbox provider by a third party: the copy's top line is the
    provider's inner relay (no name to vouch for it) or its forward to the operator, and
    the line below it is from the Source-IP. It was "disputed": no customer named."""
    parsed = parse(
        "From: feedbackloop@fbl.provider.example\nTo: fbl@isp.example.jp\nSubject: FW: buy\n"
        'Date: Sun, 17 Jan 2016 21:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/report; '
        'report-type=feedback-report; boundary="B"\n\n--B\nContent-Type: text/plain\n\nabuse report\n'
        "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: LoopOperator/1.0\n"
        "Version: 1\nSource-IP: 203.0.113.5\nArrival-Date: Sun, 17 Jan 2016 20:53:33 +0000\n"
        "--B\nContent-Type: message/rfc822\n\n"
        "Received: from eastrmimpi210 ([192.0.2.251]) by eastrmfepi104.provider.example with ESMTP id 1;\n"
        " Sun, 17 Jan 2016 15:53:33 -0500\n"
        "Received: from server.customer.example ([203.0.113.5]) by eastrmimpi210.provider.example with ESMTP id 2;\n"
        " Sun, 17 Jan 2016 15:53:30 -0500\n"
        "From: a@server.customer.example\nTo: b@provider.example\nSubject: buy\nMessage-ID: <r1@x>\n\nbuy\n--B--\n"
    )
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.source_disagreement is False
    assert [h.from_address for h in parsed.hops if h.is_origin] == ["203.0.113.5"]


def test_an_x_arf_date_with_no_zone_takes_the_zone_its_notice_declares():
    parsed = parse(
        "From: reports@notifier.example\nTo: abuse@isp.example.jp\nX-ARF: YES\nSubject: abuse report\n"
        'Date: Fri, 20 Nov 2026 08:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain; charset=utf-8\n\nLogin attacks from your network.\n"
        "All times are in localtime (currently MESZ (GMT +02:00)) and ntp-synchronized.\n"
        '--B\nContent-Type: text/plain; charset=utf-8; name="report.txt"\n\n'
        "Reported-From: reports@notifier.example\nCategory: abuse\nReport-Type: login-attack\n"
        "Version: 0.2\nDate: 2026-11-20 07:29:10\nSource-Type: ipv4\nSource: 203.0.113.5\n--B--\n"
    )
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert parsed.occurred_at_no_zone is False


def test_a_spam_carrying_a_leads_table_is_still_spam():
    """A leads seller's spam with a CSV of names, mails and addresses is no notice: read
    as one, the first row's address (a customer of ours) was accused."""
    table = b"name,email,ip,country\nTaro,taro@example.ne.jp,203.0.113.5,JP\n"
    raw = with_attachment(
        "sample_leads.csv", "text/csv", table, subject="Fresh verified B2B leads - 50% off",
        body="Dear customer, see the sample of our leads database attached. Buy now!",
        headers="Received: from mail.leads.example (unknown [192.0.2.77]) by mx.isp.example.jp with ESMTP id 9; "
        "Fri, 20 Nov 2026 05:35:00 +0000\n",
    )  # fmt: skip
    parsed = parse(raw)
    assert parsed.message_kind == "spam" and parsed.source_ip == "192.0.2.77"


def test_a_ticket_receipt_quoting_our_reply_is_an_automatic_reply():
    parsed = parse(
        "From: helpdesk@bigcorp.example\nTo: abuse@isp.example.jp\n"
        "Subject: [Ticket #48213] We received your message: Spam from 198.51.100.23\n"
        "Auto-Submitted: auto-replied\nDate: Sat, 21 Nov 2026 01:00:00 +0000\n\n"
        "Thank you for contacting support.\nYour message:\n  we investigated the spam from 198.51.100.23\n"
    )
    assert "automatic reply" in (parsed.parse_error or "") and parsed.source_ip is None


def test_our_own_notice_redirected_back_is_no_new_notice():
    parsed = parse(
        "Resent-From: <postmaster@bigcorp.example>\nFrom: abuse@isp.example.jp\nTo: noc@bigcorp.example\n"
        "Subject: [isp.example.jp #5531] Infected host 198.51.100.23\nAuto-Submitted: auto-generated\n"
        "Date: Sat, 21 Nov 2026 01:00:00 +0000\n\nOur records show malware at 198.51.100.23.\n"
    )
    assert parsed.source_ip != "198.51.100.23"


def test_a_certs_json_list_of_events_is_read_like_a_table():
    """SWITCH-CERT and other IntelMQ users attach events.json: it was not read at all."""
    import json

    events = [
        {"classification.type": "brute-force", "source.ip": "203.0.113.5", "time.source": "2026-11-20T05:29:10+00:00"},
        {"classification.type": "brute-force", "source": {"ip": "203.0.113.70"}, "time.source": "2026-11-20T06:00:00+00:00"},
    ]
    parsed = parse(with_attachment("events.json", "application/json", json.dumps(events).encode(),
                                   subject="SWITCH-CERT Report: brute-force", body="Please see the attached events."))  # fmt: skip
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"


# -- session 30: feeds and notices from other sources ------------------------------------------


def test_a_half_day_then_a_zone_keeps_the_zone():
    """"Thu, 19 Nov 2026 08:40PM PST" (a honeypot project's monitor): "PM" was taken for
    the zone and PST dropped, so the time was zone-less and nobody was named."""
    parsed = parse(notice("Email Spamming from 203.0.113.5\nLast seen: Thu, 19 Nov 2026 08:40PM PST\n"))
    assert parsed.occurred_at.isoformat() == "2026-11-20T04:40:00+00:00"
    assert parsed.occurred_at_no_zone is False


@pytest.mark.parametrize(("zone", "at"), [("CEST", "04:29:00"), ("EST", "11:29:00"), ("PDT", "13:29:00")])
def test_a_zone_name_after_an_iso_time_is_read(zone, at):
    """A pasted table's "2026-11-20 06:29:00 CEST": only UTC, GMT and JST were read there."""
    parsed = parse(notice(f"|date                     |ip           |\n|2026-11-20 06:29:00 {zone} |203.0.113.5 |\n"))
    assert parsed.occurred_at.isoformat() == f"2026-11-20T{at}+00:00"
    assert parsed.occurred_at_no_zone is False


def test_a_rows_time_with_no_zone_gives_way_to_the_zoned_time_in_the_words():
    """The notice says "event time … +01:00" and its table repeats the wall clock with no
    zone: the row's time was taken, as UTC with no zone (an hour off, nobody named)."""
    body = (
        "Botnet drone: abuse from 203.0.113.5 (event time 2026-11-20 06:29:10 +01:00).\n\n"
        "feed,type,time,ip\nDrones,drone,2026-11-20 06:29:10,203.0.113.5\n"
    )
    parsed = parse(notice(body))
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert parsed.occurred_at_no_zone is False


def test_a_list_attached_as_a_text_file_is_read():
    """A feed's pipe-separated list attached as "infected_….txt", its header a comment
    ("# Format: …"): it was never opened, so the notice named no address."""
    table = (
        "# Data file written at Fri Nov 20 09:00:00 2026 GMT\n"
        "# Format: kind|ip|asn|timestamp|comments\n"
        "bots|203.0.113.5|64496|2026-11-20 05:29:10+00:00|srcport 1337 family Example\n"
    )
    parsed = parse(with_attachment("infected_20261120.txt", "text/plain", table.encode(),
                                   subject="Infected hosts in AS64496", body="Please find the list attached."))  # fmt: skip
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"


def test_a_commented_header_and_unix_seconds_are_read():
    """"; ip, asn, country, lastseen, …" with lastseen in Unix seconds: neither the column
    nor the time was read."""
    table = "; ip, asn, country, lastseen, botname, remote_ip\n203.0.113.5,AS64496,JP,1795152550,example,192.0.2.6\n"
    parsed = parse(with_attachment("cert.txt", "text/plain", table.encode(),
                                   subject="Botnet infections in your network", body="Attached."))  # fmt: skip
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert parsed.occurred_at_no_zone is False


def test_one_json_event_with_its_own_key_names_is_read():
    """A single JSON event with "SourceIp" / "DestinationIp" / "DateTimeReceivedUtcTxt":
    only lower-case IntelMQ-style keys were known."""
    import json

    event = {"DataFeed": "Infected", "SourceIp": "203.0.113.5", "DestinationIp": "192.0.2.200",
             "DateTimeReceivedUtcTxt": "Friday November 20 2026 05:29:10.4870"}  # fmt: skip
    parsed = parse(with_attachment("events.json", "application/json", json.dumps(event).encode(),
                                   subject="Malware infections in your network", body="See attached."))  # fmt: skip
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:10+00:00"
    assert parsed.occurred_at_no_zone is False


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("2026-11-20-scan_ntp-asn.csv", "[Feed] scan_ntp Report: 2026-11-20"),
        ("2026-11-20-scan_afp-ip.csv", "[Feed] Accessible Apple Filing Protocol Report: 2026-11-20"),
    ],
)
def test_a_feeds_report_of_exposed_services_is_no_spam(name, subject):
    """A feed names its report in the subject or only in the file ("scan_ntp", "scan_afp"):
    the underscore hid the word, and a notice with no abuse words in its text was read as
    the spam itself, a spam case against the customer with the exposed service."""
    table = '"timestamp","ip","protocol","port"\n"2026-11-20 05:29:10","203.0.113.5","udp","123"\n'
    parsed = parse(with_attachment(name, "text/csv", table.encode(), subject=subject,
                                   body="The report is 120 bytes and contains 1 events."))  # fmt: skip
    assert parsed.message_kind != "spam"
    assert parsed.category == "other"
    assert parsed.source_ip == "203.0.113.5"


def test_a_spam_carrying_a_text_file_of_leads_is_still_spam():
    table = b"name|email|ip|country\nTaro|taro@example.ne.jp|203.0.113.5|JP\n"
    raw = with_attachment(
        "leads.txt", "text/plain", table, subject="Fresh verified B2B leads - 50% off",
        body="Dear customer, see the sample of our leads database attached. Buy now!",
        headers="Received: from mail.leads.example (unknown [192.0.2.77]) by mx.isp.example.jp with ESMTP id 9; "
        "Fri, 20 Nov 2026 05:35:00 +0000\n",
    )  # fmt: skip
    parsed = parse(raw)
    assert parsed.message_kind == "spam" and parsed.source_ip == "192.0.2.77"
