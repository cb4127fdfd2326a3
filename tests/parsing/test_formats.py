"""One test per report format: the facts each format states, and their fallbacks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

from complaints.parsing import parse_report

from . import samples


def test_arf_uses_the_stated_source_and_arrival_date():
    report = parse_report(samples.arf(feedback_fields=samples.FULL_FEEDBACK))

    assert report.format == "arf"
    assert report.feedback_type == "abuse" and report.category == "spam"
    assert report.source_ip == report.source_ip_stated == "203.0.113.9"  # "Source-Ip": any case
    assert report.header_source_ip == "203.0.113.9" and not report.source_disagreement
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert report.occurred_at_basis == "stated"
    assert report.reporter == "fbl@reporter.example"
    assert report.subject == "Cheap pills" and report.message_id == "1.abc@bad.example"
    assert report.mail_from == "spammer@bad.example" and report.rcpt_to == ["victim@reporter.example"]
    assert report.header_from == "spammer@bad.example" and report.header_to == ["victim@reporter.example"]
    assert report.reported_domains == ["bad.example"]
    assert "mailto:orders@bad.example" in report.urls
    assert report.url_hosts == ["bad.example", "shop.bad.example", "www.other.example"]
    assert "fbl.reporter.example" not in report.url_hosts  # the wrapper's own links are not evidence
    assert report.authenticated is False
    assert report.reported_message_raw.startswith(b"Received: from mail.bad.example")


def test_sparse_arf_falls_back_to_the_embedded_headers():
    report = parse_report(samples.arf(feedback_fields=samples.SPARSE_FEEDBACK))

    assert report.source_ip_stated is None
    assert report.source_ip == report.header_source_ip == "203.0.113.9"
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert report.occurred_at_basis == "origin-hop"
    assert report.hops[0].is_origin and report.hops[0].trusted


def test_arf_records_a_disagreement_between_stated_and_header_source():
    fields = samples.FULL_FEEDBACK.replace(b"Source-Ip: 203.0.113.9", b"Source-IP: 192.0.2.89")

    report = parse_report(samples.arf(feedback_fields=fields))

    assert report.source_ip == "192.0.2.89" and report.header_source_ip == "203.0.113.9"
    assert report.source_disagreement
    assert "stated source 192.0.2.89 differs from Received chain 203.0.113.9" in report.problems


def test_auth_failure_arf_is_a_dmarc_report():
    fields = b"Feedback-Type: auth-failure\nAuth-Failure: dmarc\nSource-IP: 203.0.113.9\n"

    report = parse_report(samples.arf(feedback_fields=fields))

    assert report.format == "dmarc-forensic" and report.category == "auth-failure"


def test_xarf_mail_reads_the_yaml_like_part_and_the_evidence():
    report = parse_report(samples.XARF_MAIL)

    assert report.format == "xarf-0.2"
    assert report.reporter == "reports@trap.example"
    assert report.feedback_type == "spam" and report.category == "spam"
    # "Port: 25" is the service the trap runs, not the client's port (a shared
    # address would otherwise be matched on the wrong port).
    assert report.source_ip == "203.0.113.20" and report.source_port is None
    assert report.occurred_at == datetime(2026, 11, 20, 8, 58, tzinfo=UTC)
    assert report.report_id == "42@trap.example"
    assert report.url_hosts == ["spam.example"]


def test_xarf_mail_values_quoted_or_tagged_as_yaml_writes_them():
    raw = (
        samples.XARF_MAIL.replace(b"Source: 203.0.113.20", b"Source: '203.0.113.20'")
        .replace(b"Port: 25", b'Port: "25"\nSource-Port: \'51234\'')
        .replace(b"Report-ID: 42@trap.example", b"Report-ID: !!python/unicode '42@trap.example'")
    )
    report = parse_report(raw)

    assert (report.source_ip, report.source_port, report.parse_error) == ("203.0.113.20", 51234, None)
    assert report.report_id == "42@trap.example"


def _xarf_v4(**changes) -> bytes:
    evidence = base64.b64encode(samples.SPAM).decode()
    data = {
        "xarf_version": "4.0.0",
        "report_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "timestamp": "2026-11-20T10:00:00Z",
        "reporter": {"org": "Trap", "contact": "abuse@trap.example", "type": "automated"},
        "source_identifier": "203.0.113.9",
        "source_port": 25,
        "category": "messaging",
        "type": "spam",
        "evidence": [{"content_type": "message/rfc822", "payload": evidence}],
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def test_xarf_v4_json():
    report = parse_report(_xarf_v4(), content_type="application/json")

    assert report.format == "xarf-4-json" and report.parse_error is None
    assert report.reporter == "abuse@trap.example"
    assert report.source_ip == "203.0.113.9" and report.source_port == 25
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert report.category == "spam"
    assert report.subject == "Cheap pills" and report.url_hosts == ["shop.bad.example", "www.other.example"]


def test_xarf_v4_json_is_sniffed_without_a_content_type():
    assert parse_report(b"  \n" + _xarf_v4()).format == "xarf-4-json"


def test_xarf_v4_problems_and_errors_name_the_field():
    assert "source_identifier" in parse_report(_xarf_v4(source_identifier=None)).parse_error
    assert "timestamp" in parse_report(_xarf_v4(timestamp="yesterday")).parse_error
    not_uuid = parse_report(_xarf_v4(report_id="k1l2m3n4"))
    assert not_uuid.parse_error is None
    assert "XARF report_id is not a UUID: 'k1l2m3n4'" in not_uuid.problems
    by_name = parse_report(_xarf_v4(source_identifier="mail.bulk.example"))
    assert by_name.source_ip_stated is None and by_name.parse_error is None


def test_invalid_json_is_a_parse_error():
    report = parse_report(b"{not json", content_type="application/json")

    assert report.parse_error.startswith("invalid JSON")


def test_spamcop_summary_states_source_and_time():
    report = parse_report(samples.SPAMCOP_INLINE)

    assert report.format == "spamcop"
    assert report.reporter == "7123456789@reports.spamcop.net"
    assert report.source_ip == "192.0.2.5" and report.header_source_ip == "192.0.2.5"
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert report.message_id == "q1@bad.example"
    assert report.url_hosts == ["shop.bad.example"]


def test_spamcop_with_the_message_attached():
    outer = EmailMessage(policy=default)
    outer["From"] = "7123456789@reports.spamcop.net"
    outer["Subject"] = "[SpamCop id:7123456789]Cheap pills"
    outer.set_content("Email from 203.0.113.9 / Fri, 20 Nov 2026 10:00:00 +0000\n")
    outer.add_attachment(_message(samples.SPAM))

    report = parse_report(outer.as_bytes())

    assert report.format == "spamcop" and report.source_ip == "203.0.113.9"
    assert report.subject == "Cheap pills"


def test_forwarded_spam_attached_with_a_note():
    outer = EmailMessage(policy=default)
    outer["From"] = "Customer <taro@customer.example>"
    outer["To"] = "abuse@isp.example"
    outer["Subject"] = "Fwd: Cheap pills"
    outer.set_content("I keep getting this. Please stop it.\nhttp://my.blog.example/\n")
    outer.add_attachment(_message(samples.SPAM))

    report = parse_report(outer.as_bytes(), content_type="message/rfc822")

    assert report.format == "raw-spam"
    assert report.reporter == "taro@customer.example"
    assert report.source_ip == "203.0.113.9" and report.subject == "Cheap pills"
    assert "my.blog.example" not in report.url_hosts  # the note is not the spam
    assert report.reported_message_raw is not None


def test_raw_spam_has_no_reporter():
    report = parse_report(samples.SPAM)

    assert report.format == "raw-spam" and report.reporter is None
    assert report.source_ip == "203.0.113.9"
    assert report.body_text.startswith("Buy now")


def _message(raw: bytes):
    from email import message_from_bytes

    return message_from_bytes(raw, policy=default)


def test_inline_forward_never_blames_the_forwarder():
    raw = (
        b"Received: from pc1 (p1.dyn.isp.example [198.51.100.77]) by smtp.isp.example with ESMTPSA; "
        b"Fri, 20 Nov 2026 11:00:00 +0000\n"
        b"From: Taro <taro@isp.example>\nTo: abuse@isp.example\nSubject: Fwd: Cheap pills\n"
        b"Content-Type: text/plain; charset=utf-8\n\n"
        b"Please help.\n\n"
        b"---------- Forwarded message ---------\n"
        b"From: Bad Sender <spammer@bad.example>\n"
        b"Date: Fri, 20 Nov 2026 10:00:00 +0000\n"
        b"Subject: Cheap pills\n"
        b"To: taro@isp.example\n\n"
        b"Buy at http://shop.bad.example/now\n"
    )

    report = parse_report(raw)

    assert report.format == "raw-spam" and report.reporter == "taro@isp.example"
    assert report.source_ip is None and report.hops == []
    assert report.header_from == "spammer@bad.example" and report.subject == "Cheap pills"
    assert report.url_hosts == ["shop.bad.example"]
    assert report.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_hosts_written_as_numbers_or_ipv6_literals_are_the_addresses_a_browser_visits():
    """Spam hides its site behind the URL forms browsers accept (the URL Standard's IPv4
    parser, RFC 3986 IPv6 literals): each is the address a click reaches."""
    body = (
        b"From: a@spammer.example\r\nTo: b@victim.example\r\nSubject: x\r\n\r\n"
        b"http://3323068802/a http://0xC6120182/b http://0306.0022.1.0x82/c "
        b"http://198.18.386/d http://[3fff:100:d8::1]/e http://999.1.1.1/f http://shop.example/g\r\n"
    )
    report = parse_report(body)
    # 999.1.1.1 is no address, and no name either (no TLD is a number): a browser refuses it.
    assert report.url_hosts == ["198.18.1.130", "3fff:100:d8::1", "shop.example"]
