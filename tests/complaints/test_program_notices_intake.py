"""A program's mail to the abuse mailbox in which nobody complains (a mailing list's notice
about a post that carried our address, a carrier's receipt or send-only notice, a vacation
reply) goes to a person with the reason: it opens no case against the customer the message
it carries names, and it is never answered (RFC 3834). A program's complaint from an
address that takes no replies is still a complaint, and is not answered either; a person's
complaint is, whatever their webmail's Precedence.

The address the messages name, 203.0.113.5, is customer C-3's static line (`isp`)."""

import pytest

from complaints.choices import Channel, ReportStatus
from complaints.models import Case, Report
from complaints.services.mailbox import ingest_mail
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.parsing.test_program_notices import (
    AUTOMATIC_REPLY,
    LIST_NOTICE,
    POSTED,
    _words,
    mail,
    with_attached,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isp")]

ACCUSED = "203.0.113.5"


def _file(raw: bytes, capture) -> Report:
    with capture(execute=True):
        result = ingest_mail(raw.replace(b"198.51.100.77", ACCUSED.encode()), channel=Channel.MAILBOX)
    return Report.objects.get(pk=result.report.pk)


def _accounts(report: Report) -> list[str]:
    return (report.attribution or {}).get("accounts", [])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(
            with_attached(
                "From: users-owner@lists.example.org\r\nSubject: Your message to users@lists.example.org "
                "was rejected\r\nPrecedence: bulk\r\nList-Id: <users.lists.example.org>\r\n",
                "Your message to the users mailing-list was rejected: the message is not from a list member.",
                attached=POSTED,
            ),
            LIST_NOTICE,
            id="mailing-list-rejection",
        ),
        pytest.param(
            mail(
                f"From: no-reply@notice.carrier.example.jp\r\nSubject: {_words('【受付完了】迷惑メール情報提供のお知らせ')}\r\n",
                "このメールは送信専用です。\r\nお送りいただいた迷惑メールの情報を受け付けました。\r\n\r\n"
                "> 送信元IPアドレス: 198.51.100.77\r\n> 日時: 2026/11/20 13:10\r\n",
            ),
            AUTOMATIC_REPLY,
            id="carrier-receipt",
        ),
        pytest.param(
            mail(
                "From: Jiro <jiro@partner.example>\r\nPrecedence: junk\r\n"
                f"Subject: {_words('自動返信: 迷惑メールについて')}\r\n",
                "ただいま不在にしております。\r\n\r\n> 送信元 198.51.100.77 からの迷惑メールについてご連絡します。\r\n",
            ),
            AUTOMATIC_REPLY,
            id="vacation-reply",
        ),
    ],
)
def test_a_programs_notice_opens_no_case_and_is_not_answered(
    django_capture_on_commit_callbacks, mailoutbox, raw, reason
):
    report = _file(raw, django_capture_on_commit_callbacks)
    assert (report.status, report.status_reason) == (ReportStatus.MANUAL_TRIAGE, reason)
    assert report.case_id is None and not Case.objects.exists()
    assert report.source_ip is None and _accounts(report) == []
    assert mailoutbox == [] and report.acknowledged_at is None


def test_a_carriers_complaint_from_a_no_reply_address_opens_a_case_unanswered(
    django_capture_on_commit_callbacks, mailoutbox
):
    raw = mail(
        "From: no-reply@abuse.carrier.example.jp\r\nSubject: Spam from your network\r\n",
        "送信元IPアドレス 198.51.100.77 から当社ユーザー宛に迷惑メールが送信されています。\r\n"
        "日時: 2026/11/20 13:12\r\nこのメールは送信専用です。\r\n",
    )
    report = _file(raw, django_capture_on_commit_callbacks)
    assert report.facts["message_kind"] == "complaint" and report.source_ip == ACCUSED
    assert report.case_id is not None
    assert mailoutbox == []  # an address that takes no replies


def test_a_persons_complaint_marked_bulk_by_their_webmail_is_answered(
    django_capture_on_commit_callbacks, mailoutbox
):
    raw = mail(
        f"From: Hanako <hanako@webmail.example.net>\r\nPrecedence: bulk\r\nSubject: {_words('迷惑メールについて')}\r\n",
        "198.51.100.77 から迷惑メールが届きます。2026/11/20 13:12 に受信しました。\r\n",
    )
    report = _file(raw, django_capture_on_commit_callbacks)
    assert report.facts["message_kind"] == "complaint" and report.case_id is not None
    assert [m.to for m in mailoutbox] == [["hanako@webmail.example.net"]]
