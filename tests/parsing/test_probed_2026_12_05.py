"""Shapes of real complaints misread until 2026-12-05, found by probing with crafted
reports (helper sessions A and B):

- an English long date with its offset written "GMT+9" / "UTC+09:00" or Windows'
  "(UTC-05:00)" after it: the offset was dropped and the time read as universal time,
  so the address's next holder was named, or with a weekday in front nobody was;
- a forward-as-attachment whose boundary is written unquoted with "=" in it
  (boundary=----=_NextPart_…, which Python's default policy cuts at the "="), or whose
  declared boundary the body never uses (a gateway rewrote the header): the attached
  spam was never seen and the complainant's own provider was walked as the source;
- the spam's .eml sent zipped or gzipped (gateways refuse .eml and .msg attachments),
  and Outlook's winmail.dat (TNEF), which now gets the note an Outlook .msg gets;
- Request Tracker's receipt to our notice ("[rt.example #123456] AutoReply: …", no
  Auto-Submitted header): read as a complaint about the address our notice named.
"""

from __future__ import annotations

import base64
import gzip
import io
import zipfile

import pytest

from complaints.parsing import parse_report
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import attributed

SENDER = "198.51.100.23"  # C-1's until 05:30Z on 2026-11-20, then C-2's (tests/attribution/conftest.py)
SPAM_IP = "203.0.113.77"
COMPLAINANTS_PROVIDER = "198.51.100.99"
MID = "20261120100000.4711@deals.example"
SPAM = (
    "Return-Path: <offers@deals.example>\n"
    "Received: from mx-in-3.receiver.example (mx-in-3.receiver.example [10.1.2.3])\n"
    "\tby mbox7.receiver.example (Postfix) with LMTP id 11AA\n"
    "\tfor <victim@receiver.example>; Fri, 20 Nov 2026 10:00:03 +0000 (UTC)\n"
    f"Received: from bulk.deals.example (host77.dsl.customer.example [{SPAM_IP}])\n"
    "\tby mx-in-3.receiver.example (Postfix) with ESMTP id 4C1B9\n"
    "\tfor <victim@receiver.example>; Fri, 20 Nov 2026 10:00:01 +0000 (UTC)\n"
    'From: "Best Deals" <offers@deals.example>\n'
    "To: victim@receiver.example\n"
    "Subject: Cheap watches, today only\n"
    "Date: Fri, 20 Nov 2026 09:59:58 +0000\n"
    f"Message-ID: <{MID}>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Order now at http://watches.shop.example/today and save 90%.\n"
)
COMPLAINANT = (
    f"Received: from out-7.freemail.example (out-7.freemail.example [{COMPLAINANTS_PROVIDER}])\n"
    "\tby mx.isp.example (Postfix) with ESMTPS id 9D00A\n"
    "\tfor <abuse@isp.example>; Sat, 21 Nov 2026 08:30:05 +0900 (JST)\n"
    "From: Taro Yamada <taro@freemail.example>\n"
    "To: abuse@isp.example\n"
    "Subject: Fwd: Cheap watches\n"
    "Date: Sat, 21 Nov 2026 08:30:00 +0900\n"
    "Message-ID: <c0ffee.1@freemail.example>\n"
    "MIME-Version: 1.0\n"
)


def prose(text: str) -> bytes:
    return "\r\n".join(
        [
            "From: John <john@receiver.example>",
            "To: abuse@isp.example.jp",
            "Subject: Spam from your network",
            "Date: Sat, 21 Nov 2026 09:00:00 +0000",
            "Message-ID: <pr1@receiver.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            f"Hello,\r\n\r\nWe received spam from {SENDER} on {text}. Please take action.\r\n\r\nJohn",
            "",
        ]
    ).encode()


@pytest.mark.parametrize(
    ("when", "holder"),
    [
        ("Friday, November 20, 2026 2:29 PM GMT+9", "C-1"),  # 05:29Z, a minute before the handover
        ("Fri, Nov 20, 2026 at 2:29 PM UTC+9", "C-1"),
        ("Friday, November 20, 2026 at 2:29:00 PM GMT+09:00", "C-1"),
        ("November 20, 2026 2:29 PM UTC+09:00", "C-1"),
        ("Nov 20, 2026 14:29 GMT+9", "C-1"),
        ("Nov 20 2026 14:29 UTC+0900", "C-1"),
        ("Nov 20, 2026 14:31 GMT+9", "C-2"),  # 05:31Z, a minute after
        # Windows' way, a weekday first
        ("Friday, November 20, 2026 12:31 AM (UTC-05:00)", "C-2"),
        ("Thursday, November 19, 2026 9:29 PM (UTC-08:00)", "C-1"),
        ("Friday, November 20, 2026 2:29 PM (UTC+09:00)", "C-1"),
    ],
)
def test_an_offset_after_an_english_long_date_is_its_zone(isp, when, holder):  # noqa: F811
    assert attributed(prose(when))["accounts"] == [holder]


def _walked_spam(raw: bytes):
    report = parse_report(raw)
    assert report.parse_error is None
    assert report.message_kind == "complaint"
    assert (report.source_ip, report.source_basis) == (SPAM_IP, "walked")
    assert report.message_id == MID
    assert report.occurred_at.isoformat().startswith("2026-11-20T10:00:01")
    return report


def _forward(content_type: str, boundary: str, preamble: str = "") -> bytes:
    return (
        f"{COMPLAINANT}{content_type}\n\n{preamble}"
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\nPlease stop this spam.\n\n"
        f"--{boundary}\nContent-Type: message/rfc822\n\n{SPAM}\n"
        f"--{boundary}--\n"
    ).encode()


def test_an_unquoted_boundary_with_an_equals_sign_still_finds_the_attached_spam():
    boundary = "----=_NextPart_000_0012_01DA1234.56789ABC"
    _walked_spam(_forward(f"Content-Type: multipart/mixed; boundary={boundary}", boundary))


def test_a_boundary_the_body_does_not_use_is_mended_from_the_bodys_delimiters():
    # A dashed rule in the preamble is no delimiter: the line that comes again is.
    _walked_spam(
        _forward('Content-Type: multipart/mixed; boundary="XX"', "YY", preamble="------------\nA rule.\n")
    )


def test_a_boundary_mismatch_inside_an_attached_message_is_mended_too():
    inner = (
        f'{COMPLAINANT}Content-Type: multipart/mixed; boundary="declared"\n\n'
        f"--used\nContent-Type: text/plain\n\nSee the attached.\n\n--used\nContent-Type: message/rfc822\n\n{SPAM}\n--used--\n"
    )
    outer = (
        "From: desk@other.example\nTo: abuse@isp.example\nSubject: Fwd: complaint\n"
        "Message-ID: <o1@other.example>\nDate: Sat, 21 Nov 2026 08:40:00 +0900\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="out"\n\n'
        "--out\nContent-Type: text/plain\n\nForwarding a complaint we got.\n\n"
        f"--out\nContent-Type: message/rfc822\n\n{inner}\n--out--\n"
    ).encode()
    from complaints.parsing import mime

    msg = mime.parse_message(outer)
    leaves = [mime.content_type(p) for p in mime.walk(msg)]
    assert leaves.count("message/rfc822") == 2 and getattr(
        msg.get_payload()[1].get_payload()[0], "mended_boundary", False
    )


def _with_attachment(part: str) -> bytes:
    return (
        f'{COMPLAINANT}Content-Type: multipart/mixed; boundary="XX"\n\n'
        "--XX\nContent-Type: text/plain; charset=utf-8\n\nPlease stop this spam.\n\n"
        f"--XX\n{part}\n--XX--\n"
    ).encode()


def _attachment(name: str, ctype: str, data: bytes) -> bytes:
    return _with_attachment(
        f"Content-Type: {ctype}; name={name}\nContent-Disposition: attachment; filename={name}\n"
        f"Content-Transfer-Encoding: base64\n\n{base64.encodebytes(data).decode()}"
    )


def _zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "ctype", "data"),
    [
        ("spam.zip", "application/zip", _zipped({"spam.eml": SPAM.encode()})),
        (
            "spam.zip",
            "application/x-zip-compressed",
            _zipped({"readme/": b"", "folder/Cheap watches.eml": SPAM.encode()}),
        ),
        ("spam.eml.gz", "application/gzip", gzip.compress(SPAM.encode())),
    ],
)
def test_a_message_sent_in_an_archive_is_read(name, ctype, data):
    _walked_spam(_attachment(name, ctype, data))


def test_an_archive_that_cannot_be_opened_is_said_so():
    report = parse_report(_attachment("spam.zip", "application/zip", b"PK\x03\x04" + b"\x00" * 40))
    assert report.source_ip is None
    assert any("spam.zip" in p and "archive" in p for p in report.problems), report.problems


def test_outlooks_winmail_dat_gets_the_note_an_outlook_item_gets():
    tnef = b"\x78\x9f\x3e\x22\x01\x06\x90\x08\x00" + b"\x00" * 300
    report = parse_report(_attachment("winmail.dat", "application/ms-tnef", tnef))
    assert report.message_kind == "complaint" and report.source_ip is None
    assert any("winmail.dat" in p and "Outlook item" in p for p in report.problems), report.problems


RT_RECEIPT = (
    b"Received: from rt.otherisp.example (rt.otherisp.example [192.0.2.60])\n"
    b"\tby mx.isp.example (Postfix) with ESMTPS id 1A2B; Sat, 21 Nov 2026 09:00:06 +0900 (JST)\n"
    b"Subject: [otherisp.example #123456] AutoReply: Spam from your network 198.51.100.99\n"
    b'From: "Abuse Desk via RT" <abuse@otherisp.example>\n'
    b"In-Reply-To: <case4711@isp.example>\n"
    b"References: <RT-Ticket-123456@otherisp.example> <case4711@isp.example>\n"
    b"Message-ID: <rt-4.4.4-1234-1700000000-123.123456-2-0@otherisp.example>\n"
    b"Precedence: bulk\n"
    b"X-RT-Loop-Prevention: otherisp.example\n"
    b"X-RT-Ticket: otherisp.example #123456\n"
    b"To: abuse@isp.example\n"
    b"Date: Sat, 21 Nov 2026 01:00:05 +0100\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"This message has been automatically generated in response to the\n"
    b"creation of a trouble ticket regarding:\n"
    b'\t"Spam from your network 198.51.100.99",\n'
    b"a summary of which appears below.\n\n"
    b"-------------------------------------------------------------------------\n"
    b"We received a complaint about spam sent from 198.51.100.99 at 2026-11-20 10:00 UTC.\n"
)


def test_a_ticket_systems_receipt_to_our_notice_is_an_automatic_reply():
    report = parse_report(RT_RECEIPT)
    assert report.message_kind != "complaint"
    assert report.source_ip is None and report.source_ip_named is None
    assert report.parse_error is not None


def test_a_ticket_systems_first_mail_about_us_is_still_a_complaint():
    # The same tag with no words of absence: a ticket opened about us (see _opens_a_ticket).
    raw = RT_RECEIPT.replace(b"AutoReply: ", b"").replace(b"In-Reply-To: <case4711@isp.example>\n", b"")
    raw = raw.replace(b" <case4711@isp.example>", b"")
    report = parse_report(raw)
    assert report.message_kind == "complaint" and report.source_ip_named == "198.51.100.99"
