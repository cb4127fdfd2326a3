"""What a message is decides what is walked: one test per shape that reaches an abuse desk."""

from __future__ import annotations

import base64

import pytest

from complaints.parsing import parse_report

from . import shapes
from .shapes import COMPLAINANT_CLIENT, COMPLAINANT_IP, SPAM, SPAM_IP


def _never_the_complainant(report):
    assert report.source_ip not in (COMPLAINANT_IP, COMPLAINANT_CLIENT)
    assert all(hop.from_address not in (COMPLAINANT_IP, COMPLAINANT_CLIENT) for hop in report.hops)


# --- the spam itself -------------------------------------------------------------------


def test_raw_spam_posted_by_a_partner_is_the_spam_and_its_chain_is_walked():
    report = parse_report(SPAM, content_type="message/rfc822")

    assert report.message_kind == "spam"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert report.reporter is None
    assert report.reported_via is None
    assert {"key": "helo_plain_hostname", "value": "user-pc"} in report.signals


def test_spam_that_talks_about_spam_and_names_an_address_is_still_the_spam():
    spam = SPAM.replace(
        shapes.SPAM_BODY.encode(), b"This is not spam! Our server 198.51.100.200 sends only offers.\n"
    )

    report = parse_report(spam)

    assert report.message_kind == "spam"
    assert report.source_ip == SPAM_IP


# --- a person's complaint --------------------------------------------------------------


def test_a_complaint_in_prose_names_the_address_as_stated():
    raw = (
        shapes.complainant_envelope(subject="spam")
        + "Content-Type: text/plain; charset=utf-8\n\n"
        "Hello abuse team,\n\nyour customer is spamming from IP: 203.0.113.91 since this morning,\n"
        "around 2026-11-21 07:12 JST. Please make it stop.\n\nTaro\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert (report.source_ip, report.source_basis) == ("203.0.113.91", "stated")
    assert report.source_ip_named == "203.0.113.91"
    assert report.reporter == "taro@freemail.example"
    assert report.reported_via == "prose"
    assert report.hops == []  # the complainant's own chain is not the reported message
    assert report.occurred_at_basis == "named"
    assert report.occurred_at.isoformat() == "2026-11-20T22:12:00+00:00"


def test_a_japanese_complaint_with_a_defanged_address_is_read():
    raw = (
        shapes.complainant_envelope(subject="迷惑メールについて")
        + "Content-Type: text/plain; charset=utf-8\n\n"
        "いつもお世話になっております。\n貴社のネットワークから迷惑メールが届いています。\n"
        "送信元IP: 203.0.113[.]45\n対応をお願いします。\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert (report.source_ip, report.source_basis) == ("203.0.113.45", "stated")
    assert report.subject == "迷惑メールについて"


def test_the_address_after_from_is_preferred_over_others_in_the_text():
    raw = (
        shapes.complainant_envelope()
        + "Content-Type: text/plain\n\n"
        "Our mail server 198.51.100.9 keeps receiving junk mail from 203.0.113.60.\n"
    ).encode()

    report = parse_report(raw)

    assert report.source_ip == "203.0.113.60"
    assert {"key": "complainant_named_address", "value": "198.51.100.9"} in report.signals


def test_a_complaint_without_a_copy_or_an_address_goes_to_a_person():
    raw = (
        shapes.complainant_envelope(subject="Stop the spam!")
        + "Content-Type: text/plain\n\nI get so much spam from your customers. Do something.\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert report.source_ip is None and report.source_basis is None
    assert any("a person must read it" in p for p in report.problems)
    assert report.parse_error is None


@pytest.mark.parametrize(
    "content_type,encoding,filename,via",
    [
        ("message/rfc822", "7bit", "spam.eml", "attachment"),
        ("application/octet-stream", "base64", "Cheap watches.eml", "attachment_as_data"),
        ("text/plain", "7bit", "headers.txt", "attachment_as_data"),
        ("application/x-message", "base64", "message.eml", "attachment_as_data"),
    ],
)
def test_spam_attached_as_any_content_type_is_walked_never_the_complainants_chain(
    content_type, encoding, filename, via
):
    report = parse_report(shapes.attached(content_type=content_type, encoding=encoding, filename=filename))

    assert report.message_kind == "complaint"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert report.reported_via == via
    assert report.reporter == "taro@freemail.example"
    assert report.subject == "Cheap watches, today only"
    assert "watches.shop.example" in report.url_hosts
    _never_the_complainant(report)


def test_text_rfc822_headers_attachment_is_walked():
    headers_only = shapes.SPAM_HEADERS.encode()
    report = parse_report(shapes.attached(headers_only, content_type="text/rfc822-headers", filename="h.txt"))

    assert report.reported_via == "rfc822_headers"
    assert report.source_ip == SPAM_IP


def test_outlook_forward_as_attachment_is_walked():
    raw = (
        "Received: from TYCPR01MB1234.jpnprd01.prod.outlook.example (2603:1096:400:1::5) by\n"
        " TYAPR01MB5678.jpnprd01.prod.outlook.example with HTTPS; Sat, 21 Nov 2026 00:10:00 +0000\n"
        f"Received: from mail-ty.outlook.example ({COMPLAINANT_IP}) by mx.isp.example with ESMTPS;\n"
        " Sat, 21 Nov 2026 09:10:01 +0900\n"
        "From: Hanako Suzuki <hanako@corp.example>\n"
        "To: \"abuse@isp.example\" <abuse@isp.example>\n"
        "Subject: FW: Cheap watches, today only\n"
        "Thread-Topic: Cheap watches, today only\n"
        "Thread-Index: AQHZ1234567890abcdef==\n"
        "Date: Sat, 21 Nov 2026 00:10:00 +0000\n"
        "Message-ID: <TYCPR01MB1234ABCD@TYCPR01MB1234.jpnprd01.prod.outlook.example>\n"
        "X-MS-Has-Attach: yes\n"
        "Content-Language: ja-JP\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="_004_TYCPR01MB1234_"\n\n'
        "--_004_TYCPR01MB1234_\n"
        'Content-Type: multipart/alternative; boundary="_000_TYCPR01MB1234_"\n\n'
        "--_000_TYCPR01MB1234_\nContent-Type: text/plain; charset=\"iso-2022-jp\"\n"
        "Content-Transfer-Encoding: 7bit\n\nFYI\n\n"
        "--_000_TYCPR01MB1234_\nContent-Type: text/html; charset=\"iso-2022-jp\"\n\n"
        "<html><body><p>FYI</p></body></html>\n"
        "--_000_TYCPR01MB1234_--\n\n"
        "--_004_TYCPR01MB1234_\n"
        'Content-Type: message/rfc822\nContent-Disposition: attachment;\n\tfilename="Cheap watches, today only.eml"\n\n'
        + SPAM.decode()
        + "\n--_004_TYCPR01MB1234_--\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert report.source_ip == SPAM_IP
    assert report.reporter == "hanako@corp.example"
    _never_the_complainant(report)


@pytest.mark.parametrize("wrap", [None, 60])
def test_pasted_headers_are_walked_even_when_the_mail_program_rewrapped_them(wrap):
    report = parse_report(shapes.pasted(wrap=wrap))

    assert report.message_kind == "complaint"
    assert report.reported_via == "pasted_headers"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert report.occurred_at.isoformat() == "2026-11-20T10:00:01+00:00"
    assert "watches.shop.example" in report.url_hosts
    _never_the_complainant(report)


def test_a_reply_quoting_the_spam_with_angle_brackets_is_walked():
    report = parse_report(shapes.pasted(quote="> ", intro="Look at this:\n\n"))

    assert report.message_kind == "complaint"
    assert report.reported_via in ("quoted_forward", "pasted_headers")
    assert report.source_ip == SPAM_IP


def test_an_inline_forward_without_received_headers_falls_back_to_the_named_address():
    raw = (
        shapes.complainant_envelope(subject="Fwd: Cheap watches, today only")
        + "Content-Type: text/plain; charset=utf-8\n\n"
        "This came from 203.0.113.12, please check.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Best Deals <offers@deals.example>\n"
        "Date: Fri, Nov 20, 2026 at 7:00 PM\n"
        "Subject: Cheap watches, today only\n"
        "To: <victim@mail.victim.example>\n\n\n"
        "Order now at http://watches.shop.example/today\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert report.reported_via == "inline_forward"
    assert report.header_from == "offers@deals.example"
    assert (report.source_ip, report.source_basis) == ("203.0.113.12", "stated")
    _never_the_complainant(report)


def test_a_redirected_spam_is_walked_below_the_resent_fields():
    raw = (
        f"Received: from out-7.freemail.example (out-7.freemail.example [{COMPLAINANT_IP}])\n"
        "\tby mx.isp.example (Postfix) with ESMTPS id 1; Sat, 21 Nov 2026 08:30:05 +0900\n"
        f"Received: from [192.168.1.20] (client.example.ne.jp [{COMPLAINANT_CLIENT}])\n"
        "\tby out-7.freemail.example (Postfix) with ESMTPSA id 2; Sat, 21 Nov 2026 08:30:04 +0900\n"
        "Resent-From: Taro Yamada <taro@freemail.example>\n"
        "Resent-To: abuse@isp.example\n"
        "Resent-Date: Sat, 21 Nov 2026 08:30:00 +0900\n"
        "Resent-Message-ID: <resent.1@freemail.example>\n"
    ).encode() + SPAM

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert report.reported_via == "redirect"
    assert report.reporter == "taro@freemail.example"
    assert report.source_ip == SPAM_IP
    _never_the_complainant(report)


def test_an_outlook_msg_attachment_is_named_as_unreadable():
    msg_file = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
    raw = shapes.attached(msg_file, content_type="application/vnd.ms-outlook", encoding="base64",
                          filename="spam.msg", note="See attached, spam from 203.0.113.33\n")

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert any("Outlook item" in p for p in report.problems)
    assert (report.source_ip, report.source_basis) == ("203.0.113.33", "stated")


# --- machine reports -------------------------------------------------------------------


def test_arf_is_a_machine_report_with_a_field_source():
    report = parse_report(shapes.feedback_report())

    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "field")
    assert report.reporter == "fbl@mailbox.example"


@pytest.mark.parametrize(
    "part_type,top",
    [
        ("text/plain", "multipart/report; report-type=feedback-report"),
        ("text/plain", "multipart/mixed"),
        ("application/octet-stream", "multipart/mixed"),
    ],
)
def test_old_arf_with_the_fields_in_another_content_type(part_type, top):
    report = parse_report(shapes.feedback_report(part_type=part_type, top=top))

    assert report.format == "arf"
    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "field")


def test_old_arf_in_one_text_part_with_loose_field_names_and_the_spam_below():
    raw = (
        "From: feedback@oldisp.example\nTo: abuse@isp.example\nSubject: Abuse report\n"
        "Date: Fri, 20 Nov 2026 10:05:00 +0000\nContent-Type: text/plain\n\n"
        "Feedback-type: abuse\nUser-agent: OldFBL 0.9\nVersion: 0.1\n"
        f"Source IP: {SPAM_IP}\nReceived Date: Fri, 20 Nov 2026 10:00:01 +0000\n\n"
        + SPAM.decode()
    ).encode()

    report = parse_report(raw)

    assert report.format == "arf"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "field")
    assert report.subject == "Cheap watches, today only"
    assert "watches.shop.example" in report.url_hosts


def test_a_person_forwarding_an_arf_report_is_a_complaint_that_keeps_the_reports_field():
    raw = shapes.attached(shapes.feedback_report(source="203.0.113.99"), note="Got this FBL, FYI.\n")

    report = parse_report(raw)

    assert report.message_kind == "complaint"
    assert report.format == "arf"
    assert (report.source_ip, report.source_basis) == ("203.0.113.99", "field")
    assert report.reporter == "taro@freemail.example"
    _never_the_complainant(report)


def test_a_trap_feed_wrapping_the_trapped_message_is_a_machine_report():
    raw = (
        "Return-Path: <>\nFrom: Trap Feed <traps@feed.example>\nTo: abuse@isp.example\n"
        "Subject: Spamtrap hit\nAuto-Submitted: auto-generated\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="t"\n\n'
        "--t\nContent-Type: text/plain\n\nA trap address received the attached message.\n"
        "--t\nContent-Type: message/rfc822\n\n" + SPAM.decode() + "\n--t--\n"
    ).encode()

    report = parse_report(raw)

    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert report.reported_via == "attachment"
    assert report.reporter == "traps@feed.example"


SPAMCOP_OLD = (
    "From: 999999999@reports.spamcop.net\nTo: abuse@isp.example\n"
    "Subject: [SpamCop (203.0.113.50) id:999999999]Cheap watches\n"
    "Precedence: list\nDate: Thu, 19 Nov 2026 17:34:13 -0400\nX-SpamCop-sourceip: \n\n"
    "- SpamCop V1.3.3 -\nThis message is brief for your comfort.  Please follow links for details.\n\n"
    "http://spamcop.net/w3m?i=z999999999z20aa651a6f956a80f87a3fa9b5c9f274z\n"
    "Email from 203.0.113.50 / Thu, 19 Nov 2026 17:34:13 -0400 (ED\n\n"
    "Offending message:\n"
    "==================BEGIN FORWARDED MESSAGE==================\n"
    "Received: from mail.victim.example [198.51.100.4]\n"
    "       by ux1.victim.example with esmtp (Exim 4.96)\n"
    "       id 19T732-0007kO-00; Thu, 19 Nov 2026 17:34:24 -0400\n"
    "Received: from [203.0.113.50] (helo=bzxqwt.example)\n"
    "       by mail.victim.example with smtp (Exim 4.96)\n"
    "       id 19T72p-0004wF-00; Thu, 19 Nov 2026 17:34:13 -0400\n"
    "From: x@deals.example\nTo: x\nSubject: Cheap watches\n\nhttp://watches.shop.example/\n"
    "===================END FORWARDED MESSAGE===================\n"
)


def test_old_spamcop_report_with_forwarded_message_rules():
    report = parse_report(SPAMCOP_OLD.encode())

    assert report.format == "spamcop"
    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == ("203.0.113.50", "field")
    assert report.occurred_at.isoformat() == "2026-11-19T21:34:13+00:00"
    assert "watches.shop.example" in report.url_hosts
    assert report.source_disagreement is False


def test_spamcop_report_with_only_the_subject_and_report_spam_to_block():
    raw = (
        "From: 7123@reports.spamcop.net\nTo: abuse@isp.example\n"
        "Subject: [SpamCop (203.0.113.51) id:7123]Cheap watches\nDate: Thu, 19 Nov 2026 12:00:00 +0000\n\n"
        "[ SpamCop V5.4.0 ]\nThis message is brief for your comfort.\n\n"
        "Report spam to:\nRe: 203.0.113.51 (Administrator of network where email originates)\n"
        "\t To: abuse@isp.example\n\n[ Offending message ]\n" + SPAM.decode().replace(SPAM_IP, "203.0.113.51")
    ).encode()

    report = parse_report(raw)

    assert report.format == "spamcop"
    assert (report.source_ip, report.source_basis) == ("203.0.113.51", "field")


def test_a_spamvertised_site_report_never_takes_the_web_host_as_the_mail_source():
    raw = (
        "From: 7124@reports.spamcop.net\nTo: abuse@hosting.example\n"
        "Subject: [SpamCop (http://watches.shop.example/) id:7124]Cheap watches\n\n"
        "[ SpamCop V5.4.0 ]\n\nSpamvertised web site: http://watches.shop.example/\n"
        "https://www.spamcop.net/w3m?i=z7124z\nhttp://watches.shop.example/ is 198.51.100.80; "
        "Thu, 19 Nov 2026 12:00:00 GMT\n\n[ Offending message ]\n" + SPAM.decode()
    ).encode()

    report = parse_report(raw)

    assert report.format == "spamcop"
    assert report.source_ip == SPAM_IP and report.source_basis == "walked"
    assert "watches.shop.example" in report.url_hosts
    # Filed as what it is about, with the address the site was found at kept as a signal.
    assert report.category == "spamvertised"
    assert {"key": "spamvertised_site_address", "value": "http://watches.shop.example/ 198.51.100.80"} in (
        report.signals
    )


def test_x_arf_legacy_marked_by_header_without_reported_from():
    raw = (
        b"From: reports@blocklist.example\nTo: abuse@isp.example\nSubject: abuse report about 203.0.113.20\n"
        b"X-ARF: YES\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n"
        b"--x\nContent-Type: text/plain\n\nA host in your network attacked us.\n"
        b"--x\nContent-Type: text/plain; name=\"report.txt\"\n\n"
        b"Category: abuse\nReport-Type: spam\nVersion: 0.1\nDate: Fri, 20 Nov 2026 09:58:00 +0100\n"
        b"Source-Type: ipv4\nSource: 203.0.113.20\n--x--\n"
    )

    report = parse_report(raw)

    assert report.format == "xarf-0.2"
    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == ("203.0.113.20", "field")
    assert report.reporter == "reports@blocklist.example"


def test_xarf_json_carried_in_a_mail_part():
    body = (
        '{"xarf_version": "4.0.0", "report_id": "7d3a1f52-9a52-4c1e-8a41-3f0c2b7d9e10",'
        ' "timestamp": "2026-11-20T10:00:00Z", "reporter": {"org": "Trap", "contact": "t@trap.example",'
        ' "domain": "trap.example"}, "source_identifier": "::ffff:203.0.113.21", "category": "messaging",'
        ' "type": "spam"}'
    )
    raw = (
        "From: t@trap.example\nTo: abuse@isp.example\nSubject: XARF report\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="j"\n\n--j\nContent-Type: text/plain\n\nSee JSON.\n'
        '--j\nContent-Type: application/json; name="report.json"\n'
        "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(body.encode()).decode() + "--j--\n"
    ).encode()

    report = parse_report(raw)

    assert report.format == "xarf-4-json"
    assert report.message_kind == "machine_report"
    assert (report.source_ip, report.source_basis) == ("203.0.113.21", "field")
