"""Crafted complaints probed through the whole pipeline (helper session B): the instant
a report's own field or the receiver's line gives, written as an offset from universal
time in whole hours, decides whose line the address was."""

from datetime import datetime, timedelta
from itertools import count

import pytest

from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
_n = count(1)
# 14:29 in Japan is 05:29Z, a minute before 198.51.100.23 passed from C-1 to C-2.
JUST_BEFORE = HANDOVER - timedelta(minutes=1)


def filed(file, raw: bytes):  # noqa: F811
    report, case = file(raw, reporter=f"email:r{next(_n)}@receiver.example")
    return report, case


def arf_headers(headers: str, *, arrival: str) -> bytes:
    """A feedback loop's report with only the spam's headers (text/rfc822-headers)."""
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: Abuse report\r\n"
        f"Date: Fri, 04 Dec 2026 01:00:00 +0000\r\nMessage-ID: <fbl3-{next(_n)}@receiver.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: ReceiverFBL/2.1\r\nVersion: 1\r\nSource-IP: 198.51.100.23\r\n"
        f"Arrival-Date: {arrival}\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n" + headers + "--b--\r\n"
    ).encode()


SPAM_HEADERS = "From: sale@spammer.example\r\nTo: victim@receiver.example\r\nSubject: Cheap pills\r\n"


def test_an_arrival_date_in_utc_plus_nine_names_who_held_the_line_then(file):  # noqa: F811
    """ "2026-11-20 14:29:00 UTC+9" was read as 14:29Z, nine hours after the spam: the
    customer who got the address at the handover (C-2) was named for C-1's mail."""
    report, case = filed(file, arf_headers(SPAM_HEADERS, arrival="2026-11-20 14:29:00 UTC+9"))
    a = report["attribution"]
    assert report["source_ip"] == "198.51.100.23"
    assert datetime.fromisoformat(report["occurred_at"]) == JUST_BEFORE
    assert a["accounts"] == ["C-1"], codes(a)
    assert a["sending_method"] == "self_operated_server"
    assert case["recommendation"]["rule"] == "4"


def forwarded(message: str) -> bytes:
    """A person forwarding the spam as an attachment."""
    return (
        "From: Jane <jane@receiver.example>\r\nTo: abuse@isp.example.jp\r\nSubject: Fwd: Cheap pills\r\n"
        f"Date: Fri, 04 Dec 2026 02:00:00 +0000\r\nMessage-ID: <fw3-{next(_n)}@receiver.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain\r\n\r\nPlease stop this spam from your network.\r\n"
        '--m\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="spam.eml"\r\n\r\n'
        + message
        + "\r\n--m--\r\n"
    ).encode()


def test_a_receivers_line_ending_in_an_hours_only_offset(file):  # noqa: F811
    """ "… 14:29:00 +09" (the receiver's software writes the offset in hours) was read
    as nine minutes east and as naming no zone: nobody was named."""
    spam = (
        "Received: from mail.bulk.example (p1023-ipngn.dyn.isp.example.jp [198.51.100.23])\r\n"
        "\tby mx.receiver.example (Postfix) with ESMTP id 4A7\r\n\tfor <victim@receiver.example>;\r\n"
        "\tFri, 20 Nov 2026 14:29:00 +09\r\n" + SPAM_HEADERS + "\r\nBuy now http://cheap.example.net/x\r\n"
    )
    report, case = filed(file, forwarded(spam))
    a = report["attribution"]
    assert datetime.fromisoformat(report["occurred_at"]) == JUST_BEFORE
    assert a["accounts"] == ["C-1"], codes(a)
    assert "holder_needs_a_zone" not in codes(a)
    assert case["recommendation"]["rule"] == "4"
