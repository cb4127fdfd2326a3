"""Complaints that paste more than one copy (found by probing with crafted complaints,
session 32): a reply on top of the quoted thread, two spams pasted one after the other,
a forward's own headers pasted above the spam. Each copy a person pasted now is read;
the thread quoted below was filed when it was first sent."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.choices import Channel
from complaints.models import Report
from complaints.services import report_ingest

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 11, 20, 4, 12, 7, tzinfo=UTC)  # 198.51.100.23 is C-1's
T2 = datetime(2026, 11, 20, 6, 5, 33, tzinfo=UTC)  # and C-2's from 05:30
BODY = "Congratulations! Claim your prize at http://prize.example.net/claim\n"


def jst(at) -> str:
    return f"{at + timedelta(hours=9):%a, %d %b %Y %H:%M:%S} +0900"


def headers(*, ip="198.51.100.23", at=T1, msgid="<p1@spammer.example>") -> str:
    return (
        f"Received: from mail.bulk-sender.example (unknown [{ip}])\n\tby mx.receiver.example (Postfix) with ESMTP id 3B7C1\n"
        f"\tfor <ichiro@receiver.example>; {jst(at)}\n"
        f"From: Lucky Shop <sale@spammer.example>\nTo: ichiro@receiver.example\nSubject: You won!\n"
        f"Date: {jst(at)}\nMessage-ID: {msgid}\n"
    )


def complaint(body: str, subject="Spam from your network") -> bytes:
    return (
        "From: Ichiro Suzuki <ichiro@receiver.example>\nTo: abuse@isp.example.jp\n"
        f"Subject: {subject}\nDate: Fri, 20 Nov 2026 18:00:00 +0900\nMessage-ID: <c-{abs(hash(body))}@receiver.example>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body
    ).encode()


@pytest.fixture
def file(isp, django_capture_on_commit_callbacks):
    def _file(raw: bytes) -> list[tuple]:
        before = set(Report.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:ichiro@receiver.example", acknowledge=False)
        filed = Report.objects.exclude(pk__in=before).order_by("pk")
        return [(str(r.source_ip), r.occurred_at, (r.attribution or {}).get("accounts")) for r in filed]

    return _file


def _thread(old: str, ref: str, *, quote: bool) -> str:
    first = "Spam:\n\n" + old + "\n" + BODY
    if quote:
        first = "".join("> " + line + "\n" for line in first.split("\n"))
    return (
        "\n-----Original Message-----\nFrom: Abuse desk <abuse@isp.example.jp>\nSent: Friday, November 20, 2026 5:00 PM\n"
        f"To: ichiro@receiver.example\nSubject: [{ref}] We received your report\n\n"
        f"Thank you for your report. It has been stored under the reference {ref}.\n\n"
        "-----Original Message-----\nFrom: ichiro@receiver.example\nSent: Friday, November 20, 2026 4:00 PM\n"
        "To: abuse@isp.example.jp\nSubject: Spam from your network\n\n" + first
    )


@pytest.mark.parametrize("quote", [True, False], ids=["quoted", "outlook-unquoted"])
def test_a_reply_on_top_of_the_thread_reads_the_new_spam_not_the_quoted_one(file, quote):
    """"Another one" above our acknowledgement and the first complaint, quoted as Outlook
    and Gmail quote a thread: the desk read the old spam at the bottom again (its case
    counted it twice) and lost the new one."""
    old = headers(ip="203.0.113.5", at=T1 - timedelta(hours=3), msgid="<old@spammer.example>")
    [(ip, _at, accounts)] = file(complaint("Spam:\n\n" + old + "\n" + BODY))
    assert (ip, accounts) == ("203.0.113.5", ["C-3"])
    body = "Another one, headers:\n\n" + headers(at=T2, msgid="<new@spammer.example>") + "\n" + BODY
    filed = file(complaint(body + _thread(old, "ADR-1", quote=quote), subject="RE: [ADR-1] We received your report"))
    assert filed == [("198.51.100.23", T2, ["C-2"])]


def test_two_spams_pasted_one_after_the_other_are_two_reports(file):
    """The second copy was read as the first's body, and only the last was filed."""
    body = (
        "Two spams from your network.\n\n=== Spam 1 ===\n" + headers(ip="203.0.113.5", msgid="<a@spammer.example>")
        + "\n" + BODY + "\n=== Spam 2 ===\n" + headers(at=T2, msgid="<b@spammer.example>") + "\n" + BODY
    )  # fmt: skip
    filed = sorted(file(complaint(body)))
    assert filed == [("198.51.100.23", T2, ["C-2"]), ("203.0.113.5", T1, ["C-3"])]


def test_a_forwards_own_headers_pasted_above_the_spam_still_read_the_spam(file):
    """The complainant's webmail pasted its forward's header (its own home line) above
    the forwarded spam: the copy inside the forward is the reported one."""
    body = (
        "Header of my forward, then the spam's header:\n\n"
        f"Received: from home-pc (p1234.home.receiver-isp.example [192.0.2.220])\n\tby smtp.receiver.example (Postfix) with ESMTPSA id 11AA;\n\t{jst(T1 + timedelta(hours=2))}\n"
        "From: ichiro@receiver.example\nTo: abuse@isp.example.jp\nSubject: FW: You won!\n\n"
        "----- Forwarded message -----\n" + headers() + "\n" + BODY
    )  # fmt: skip
    assert file(complaint(body)) == [("198.51.100.23", T1, ["C-1"])]
