"""Notices from takedown services and intrusion detectors, as they reach an abuse desk.

- An ARF wrapper whose feedback report only says "Feedback-Type: xarf" carries the
  report itself as an XARF JSON attachment beside it: that is what is read.
- A notice about other abuse (brute force, a web shell) written to the abuse address is a
  complaint, never "the spam itself" blamed on the notifier's own mail server.
- The notifier's own links ("more about this incident at ...") advertise nothing; a
  customer writing from one of our own domains keeps a link to a page we host.
"""

from __future__ import annotations

import base64
import json

import pytest

from complaints.parsing import TrustContext, parse_report


def xarf_in_arf(report: dict) -> bytes:
    attachment = base64.encodebytes(json.dumps(report).encode()).decode()
    return (
        "From: Takedown Service <takedown+1@notifier.example>\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Web shell detected on hacked.example.jp [Issue 1]\r\n"
        "Date: Mon, 24 Nov 2026 09:32:04 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type="feedback-report"; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nAn illegal web shell was found at\r\n"
        "hxxp://hacked[.]example.jp/wp-content/x.php\r\nDetails: https://incident.notifier.example/a1/\r\n"
        "--B\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: xarf\r\nUser-Agent: Notifier\r\nVersion: 1\r\n"
        '--B\r\nContent-Type: application/json; name="xarf.json"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{attachment}--B--\r\n"
    ).encode()


def test_the_xarf_json_beside_an_arf_wrapper_is_the_report():
    parsed = parse_report(
        xarf_in_arf(
            {
                "Version": "1",
                "Report": {
                    "ReportClass": "Content",
                    "ReportType": "Malware",
                    "Date": "2026-11-24T09:29:30Z",
                    "SourceIp": "203.0.113.80",
                    "SourceUrl": "http://hacked.example.jp/wp-content/x.php",
                },
                "ReporterInfo": {"ReporterOrgEmail": "takedown+1@notifier.example"},
            }
        )
    )
    assert parsed.format == "xarf-3-json" and parsed.category == "malware"
    assert parsed.source_ip == "203.0.113.80" and parsed.source_basis == "field"
    assert parsed.url_hosts == ["hacked.example.jp"]
    assert parsed.occurred_at.isoformat() == "2026-11-24T09:29:30+00:00"


def notice(body: str, *, sender: str = "Notifier <takedown@notifier.example>") -> bytes:
    return (
        f"From: {sender}\r\nTo: abuse@isp.example.jp\r\nSubject: Issue 7: activity at your address\r\n"
        "Date: Sun, 29 Nov 2026 23:27:37 +0000\r\nMessage-ID: <n7@notifier.example>\r\n"
        "Received: from mail2.notifier.example (mail2.notifier.example [192.0.2.216]) by mx.isp.example.jp"
        " (Postfix) with ESMTPS id 1; Sun, 29 Nov 2026 23:27:39 +0000\r\n\r\n" + body
    ).encode()


BRUTE = (
    "An IP address within your delegated space is involved in an ongoing brute force attack "
    "against SSH.\r\n\r\n{ip}\r\n\r\nWe last observed a malicious login attempt from this IP address "
    "at 2026-11-29 23:27:05 UTC.\r\nMore information: https://incident.notifier.example/a01/\r\n"
)


def test_a_brute_force_notice_is_a_complaint_naming_the_address():
    parsed = parse_report(notice(BRUTE.format(ip="198.51.100.23")))
    assert parsed.message_kind == "complaint"
    assert parsed.source_ip == "198.51.100.23" and parsed.source_basis == "stated"
    assert parsed.occurred_at.isoformat() == "2026-11-29T23:27:05+00:00"
    assert parsed.url_hosts == []  # the notifier's incident page advertises nothing


def test_a_notice_naming_only_an_internal_address_is_not_blamed_on_its_mail_server():
    parsed = parse_report(notice(BRUTE.format(ip="10.1.2.3")))
    assert parsed.message_kind == "complaint"
    assert parsed.source_ip is None  # not 192.0.2.216, the notifier's own mail server
    assert parsed.url_hosts == []


def test_a_customer_on_our_own_domain_keeps_the_link_to_a_page_we_host():
    body = "I got spam from 198.51.100.9 advertising http://www.isp.example.jp/~shop/ please stop it\r\n"
    trust = TrustContext(own_domains=("isp.example.jp",))
    ours = parse_report(notice(body, sender="taro@isp.example.jp"), trust=trust)
    assert ours.url_hosts == ["www.isp.example.jp"]
    elsewhere = parse_report(notice(body, sender="hanako@example.com"), trust=trust)
    assert elsewhere.url_hosts == ["www.isp.example.jp"]


def feed(subject: str) -> bytes:
    zipped = base64.encodebytes(b"PK\x03\x04 not really a zip").decode()
    return (
        "From: Reports <autoreports@feeds.example>\r\nTo: abuse@isp.example.jp\r\n"
        f"Subject: {subject}\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
        "Received: from mail.feeds.example (mail.feeds.example [192.0.2.99]) by mx.isp.example.jp"
        " (Postfix) with ESMTPS id 2; Thu, 01 Jan 2026 00:00:02 +0000\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe report content can be obtained from the following link:\r\n"
        "https://dl.feeds.example/0123456789abcdef\r\nThe report contains 12 events.\r\n"
        '--b\r\nContent-Type: application/octet-stream; name="report.csv.zip"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + zipped + "--b--\r\n"
    ).encode()


def test_a_scan_feed_to_the_abuse_address_is_a_notice_not_spam_from_the_feed():
    parsed = parse_report(feed("Daily scan_ntp Report: 2026-01-01"))
    assert parsed.message_kind == "complaint"
    assert parsed.source_ip is None and parsed.url_hosts == []  # not the feed's server, nor its download link


def test_spam_sent_straight_to_the_abuse_address_is_still_walked_for_its_origin():
    raw = (
        b"Received: from pc-1234 (unknown [198.51.100.23]) by mx.isp.example.jp (Postfix) with ESMTP id 3;"
        b" Thu, 01 Jan 2026 00:00:02 +0000\r\nFrom: sale@cheap.example\r\nTo: abuse@isp.example.jp\r\n"
        b"Subject: Cheap watches\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\nBuy at http://watches.example/\r\n"
    )
    parsed = parse_report(raw)
    assert parsed.message_kind == "spam" and parsed.source_ip == "198.51.100.23"
    assert parsed.url_hosts == ["watches.example"]


def test_a_phishing_notice_with_defanged_links_names_the_hosts_they_stand_for():
    # Security teams break the links they report so nobody clicks them.
    body = (
        "We found a phishing page impersonating our bank on your network:\r\n"
        "hxxps://login-bank[.]shop[.]example[.]jp/verify/index.php\r\n"
        "and a copy at https[:]//www(.)shop.example.jp/v2/\r\n"
    )
    parsed = parse_report(notice(body))
    assert parsed.url_hosts == ["login-bank.shop.example.jp", "www.shop.example.jp"]


@pytest.mark.parametrize("mailbox", ["network-abuse", "ipabuse", "abuse-desk", "abusedesk", "cert", "noc"])
def test_a_notice_to_any_of_our_abuse_mailboxes_is_a_complaint(mailbox):
    raw = notice(BRUTE.format(ip="198.51.100.23")).replace(b"To: abuse@", f"To: {mailbox}@".encode())
    parsed = parse_report(raw)
    assert (parsed.message_kind, parsed.source_ip) == ("complaint", "198.51.100.23")


@pytest.mark.parametrize("mailbox", ["spamtrap", "antispam", "nospam-joe"])
def test_spam_caught_in_a_trap_or_filter_mailbox_is_the_spam_itself(mailbox):
    spam = (
        "Received: from pc (unknown [198.51.100.23]) by mx.receiver.example (Postfix) with ESMTP id 1; "
        f"Sun, 29 Nov 2026 23:27:39 +0000\r\nFrom: x@offers.example\r\nTo: {mailbox}@receiver.example\r\n"
        "Subject: Stop spam forever with our unsolicited offer\r\nDate: Sun, 29 Nov 2026 23:27:30 +0000\r\n\r\n"
        "Reply to 203.0.113.77 for cheap abuse-free pills\r\n"
    ).encode()
    parsed = parse_report(spam)
    assert (parsed.message_kind, parsed.source_ip, parsed.source_basis) == ("spam", "198.51.100.23", "walked")


def test_a_programs_notice_to_another_mailbox_is_a_complaint_but_an_auto_reply_is_not():
    generated = notice(BRUTE.format(ip="198.51.100.23")).replace(
        b"To: abuse@isp.example.jp", b"Auto-Submitted: auto-generated\r\nTo: reports-inbox@isp.example.jp"
    )
    parsed = parse_report(generated)
    assert (parsed.message_kind, parsed.source_ip) == ("complaint", "198.51.100.23")
    replied = generated.replace(b"auto-generated", b"auto-replied").replace(
        b"Subject: Issue 7", b"Subject: Out of office Re: Issue 7"
    )
    assert parse_report(replied).message_kind == "machine_report"


@pytest.mark.parametrize(
    ("body", "category"),
    [
        (BRUTE.format(ip="198.51.100.23"), "login-attack"),
        ("A phishing page impersonating our bank is served from 198.51.100.23.", "phishing"),
        ("198.51.100.23 is infected and talks to a botnet's command and control server.", "malware"),
        ("198.51.100.23 runs an open resolver used for DNS amplification.", "other"),
        ('<notification_message><list type="0"><url_info url="http://shop.example/" ip="198.51.100.23"/>'
         "</list></notification_message>\r\nSafe Browsing found these sites harmful.", "malware"),
        (
            "I keep getting spam from 198.51.100.23, please stop it.\r\n--\r\n"
            "This email has been checked for viruses by Avast antivirus software.",
            "spam",
        ),
    ],
)
def test_a_notice_is_filed_under_the_kind_of_abuse_it_names(body, category):
    assert parse_report(notice(body)).category == category


def test_a_person_forwarding_a_copy_says_what_it_is():
    raw = (
        b"From: Bob <bob@mail.example>\r\nTo: abuse@isp.example.jp\r\nSubject: Fwd: Your parcel is on hold\r\n"
        b"Date: Mon, 14 Oct 2024 11:30:00 -0400\r\n\r\nPhishing from one of your customers.\r\n\r\n"
        b"---------- Forwarded message ---------\r\nFrom: Parcel <noreply@parcel.example.org>\r\n"
        b"Date: Mon, Oct 14, 2024 at 10:01 AM\r\nSubject: Your parcel is on hold\r\nTo: <bob@mail.example>\r\n\r\n"
        b"Visit https://parcel.example.org/redeliver to reschedule.\r\n"
    )
    assert parse_report(raw).category == "phishing"
