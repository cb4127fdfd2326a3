"""A person's complaint that says it all in the subject ("Spam from 203.0.113.5 at
2026-11-20 13:12 JST", "不正アクセス 198.51.100.7 2026/11/20 13:12") above an empty or
near-empty body, with no message attached: the subject is read by the same rules as the
body (a labelled or single address, the same dates), and where both give one the body's
wins. Hand-written messages (RFC 5737 addresses, example.* names)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.parsing import parse_report
from complaints.services.mailbox import ingest_mail
from tests.attribution.conftest import isp  # noqa: F401  (fixture)


def complaint(subject: str, body: str = "") -> bytes:
    encoded = "=?UTF-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
    return (
        "Received: from out.example.net (out.example.net [192.0.2.70]) by mx.isp.example.jp with ESMTP id Z;\r\n"
        " Fri, 20 Nov 2026 05:00:05 +0000\r\n"
        f"From: Hanako <hanako@mail.example.net>\r\nTo: abuse@isp.example.jp\r\nSubject: {encoded}\r\n"
        "Date: Fri, 20 Nov 2026 14:00:00 +0900\r\nMessage-ID: <s1@mail.example.net>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    ).encode()


AT_1312_JST = datetime(2026, 11, 20, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("subject", "body", "source"),
    [
        ("Spam from 203.0.113.5 at 2026-11-20 13:12 JST", "", "203.0.113.5"),
        ("不正アクセス 198.51.100.7 2026/11/20 13:12", "", "198.51.100.7"),
        ("不正アクセス 198.51.100.7 2026/11/20 13:12", "よろしくお願いします。\r\n", "198.51.100.7"),
        ("203.0.113.5 2026年11月20日 13時12分", "", "203.0.113.5"),  # no word of abuse: still a complaint
        # The labelled source, not the other address the subject names.
        ("攻撃を受けています 宛先 203.0.113.99 送信元 198.51.100.7 2026/11/20 13:12", "", "198.51.100.7"),
    ],
)
def test_an_address_and_time_in_the_subject_alone_are_read(subject, body, source):
    parsed = parse_report(complaint(subject, body))
    assert (parsed.message_kind, parsed.source_ip, parsed.source_basis) == ("complaint", source, "stated")
    assert (parsed.occurred_at, parsed.occurred_at_basis) == (AT_1312_JST, "named")
    assert "the address was read from the complaint's subject" in parsed.problems


def test_the_subjects_address_with_the_bodys_time():
    parsed = parse_report(complaint("Spam from 203.0.113.5", "It came at 2026-11-19 10:00 UTC.\r\n"))
    assert parsed.source_ip == "203.0.113.5"
    assert parsed.occurred_at == datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


def test_the_bodys_address_with_the_subjects_time():
    parsed = parse_report(complaint("迷惑メール 2026/11/20 13:12", "送信元は 198.51.100.7 です。\r\n"))
    assert parsed.source_ip == "198.51.100.7"
    assert (parsed.occurred_at, parsed.occurred_at_basis) == (AT_1312_JST, "named")
    assert "the time was read from the complaint's subject" in parsed.problems


def test_the_body_wins_where_both_give_one():
    parsed = parse_report(
        complaint(
            "Spam from 203.0.113.5 at 2026-11-20 13:12 JST",
            "It came from 198.51.100.9 at 2026-11-19 10:00 UTC\r\n",
        )
    )
    assert parsed.source_ip == "198.51.100.9"
    assert parsed.occurred_at == datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
    assert {"key": "complainant_named_address", "value": "203.0.113.5"} in parsed.signals


@pytest.mark.django_db
@pytest.mark.usefixtures("isp")
def test_a_subject_only_complaint_filed_by_mail_opens_a_case_on_that_line(django_capture_on_commit_callbacks):
    """203.0.113.5 is C-3's static line (`isp`): the complaint is grouped under it."""
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_mail(
            complaint("Spam from 203.0.113.5 at 2026-11-20 13:12 JST"), channel=Channel.MAILBOX
        )
    report = Report.objects.get(pk=result.report.pk)
    assert (report.source_ip, report.occurred_at) == ("203.0.113.5", AT_1312_JST)
    assert report.case_id is not None and Case.objects.get(pk=report.case_id).report_count == 1
    assert "C-3" in (report.attribution or {}).get("accounts", [])
