"""Offsets from universal time as people and software write them, found misread by
probing with crafted complaints (helper session B):

- "2026-11-20 16:30:00 UTC+9", "2026/11/20 16:30 GMT+9", "(UTC+09:00)": a Japanese
  complainant's or tool's stamp was read as universal time, nine hours off, and as a
  time that names its zone (so nothing flagged it).
- "16:30:00 +09" (Go's "-07" layout, PostgreSQL) was read by the standard library as
  nine *minutes* east, and "16:30:00 UTC+9" after an RFC 5322 date as no zone at all.
- "20-Nov-2026 16:30:00 +0900", IMAP's INTERNALDATE, was not read.

A person's sentence was read right before (complaint.py reads its own stamps); the
fields of machine reports (ARF's Arrival-Date, X-ARF's Date) and Received lines were not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsing import parse_report
from complaints.parsing.dates import names_no_zone, parse_date, stated_offset

AT = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2026-11-20 16:30:00 UTC+9", 540),
        ("2026-11-20 16:30:00 UTC+09:00", 540),
        ("2026-11-20T16:30:00 GMT+0900", 540),
        ("2026/11/20 16:30 GMT+9", 540),
        ("2026/11/20 16:30 (UTC+9)", 540),
        ("2026-11-20 16:30:00 (GMT+09:00)", 540),
        ("2026-11-20 02:30:00 UTC-5", -300),
        ("Fri, 20 Nov 2026 16:30:00 +09", 540),
        ("Fri, 20 Nov 2026 16:30:00 UTC+9", 540),
        ("Fri, 20 Nov 2026 16:30 GMT+9", 540),
        ("Fri, 20 Nov 2026 02:30:00 GMT-5", -300),
        ("Fri, 20-Nov-2026 16:30:00 +0900", 540),
        ("20-Nov-2026 16:30:00 +0900", 540),
    ],
)
def test_an_offset_from_universal_time_is_the_zone(text, offset):
    assert parse_date(text) == AT
    assert stated_offset(text) == offset
    assert names_no_zone(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20 16:30:00 UTC+15",  # no zone is fifteen hours from UTC
        "Fri, 20 Nov 2026 16:30:00 +15",
        "2026-11-20 16:30 (IST)",  # letters naming zones hours apart, unchanged
    ],
)
def test_an_offset_no_zone_has_names_none(text):
    assert stated_offset(text) is None and names_no_zone(text) is True


def test_forms_already_read_are_unchanged():
    assert parse_date("2026-11-20 07:30:00 UTC") == AT
    assert parse_date("2026-11-20 16:30:00 JST") == AT
    assert parse_date("2026-11-20 16:30:00+09") == AT
    assert parse_date("Fri, 20 Nov 2026 16:30:00 GMT+0900") == AT
    assert parse_date("Fri, 20 Nov 2026 16:30:00 +0900 (JST)") == AT
    assert parse_date("Fri, 20 Nov 2026 16:30:00") == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)


def _arf(arrival: str) -> bytes:
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: Abuse report\r\n"
        "Date: Fri, 04 Dec 2026 01:00:00 +0000\r\nMessage-ID: <b1@receiver.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: ReceiverFBL/2.1\r\nVersion: 1\r\nSource-IP: 198.51.100.23\r\n"
        f"Arrival-Date: {arrival}\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: sale@spammer.example\r\nSubject: Cheap pills\r\n"
        "--b--\r\n"
    ).encode()


def _xarf(date: str) -> bytes:
    return (
        "From: noc@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: abuse report about 198.51.100.23\r\n"
        "Date: Fri, 04 Dec 2026 11:00:00 +0000\r\nMessage-ID: <b2@receiver.example>\r\nX-XARF: PLAIN\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
        "--q\r\nContent-Type: text/plain\r\n\r\nreport\r\n--q\r\nContent-Type: text/plain; name=report.txt\r\n\r\n"
        "Reported-From: noc@receiver.example\r\nCategory: abuse\r\nReport-Type: spam\r\nService: smtp\r\n"
        f"Version: 0.2\r\nUser-Agent: x\r\nDate: {date}\r\nSource-Type: ipv4\r\nSource: 198.51.100.23\r\nPort: 25\r\n--q--\r\n"
    ).encode()


@pytest.mark.parametrize("build", [_arf, _xarf], ids=["arf-arrival-date", "xarf-date"])
@pytest.mark.parametrize("stamp", ["2026-11-20 16:30:00 UTC+9", "2026-11-20T16:30:00 GMT+09:00"])
def test_a_reports_field_with_an_offset_from_utc(build, stamp):
    """The field's time was read as universal time: 16:30Z, nine hours after the spam."""
    report = parse_report(build(stamp))
    assert report.source_ip == "198.51.100.23"
    assert report.occurred_at == AT


def test_a_receivers_line_with_an_hours_only_offset():
    """ "+09" after the clock: the instant was nine minutes off and called zoneless."""
    raw = (
        b"Received: from mail.bulk.example (unknown [198.51.100.23]) by mx.receiver.example "
        b"(Postfix) with ESMTP id 8D1; Fri, 20 Nov 2026 16:30:00 +09\r\n"
        b"From: sale@spammer.example\r\nSubject: Cheap pills\r\n\r\nBuy now\r\n"
    )
    report = parse_report(raw)
    assert report.source_ip == "198.51.100.23"
    assert report.occurred_at == AT
    assert report.hops[0].time == AT
