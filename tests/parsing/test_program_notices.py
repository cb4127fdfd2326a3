"""What a message is, for mail a program wrote to the abuse mailbox in which nobody complains:
a mailing list manager's notice about a post that carried our address (held for moderation,
rejected, not delivered), a receipt for mail we sent, a carrier's notice from an address
that takes no replies ("このメールは送信専用です"), a vacation reply without RFC 3834's
header. They carry or quote a message naming our customer; they name nobody.

And what stays a complaint: a machine report from a no-reply sender (ARF, SpamCop), a
person's complaint whatever the Precedence of their webmail, a complaint forwarded through
a list, a carrier's automatic complaint that names the address it saw.

Hand-written messages (RFC 5737 addresses, example.* names), shaped as Mailman 2 and 3,
Sympa, Google Groups and Japanese carriers write them."""

from __future__ import annotations

import base64
import ipaddress

import pytest

from complaints.parsing import TrustContext, parse_report
from tests.parsing.samples import arf

OURS = ipaddress.ip_network("198.51.100.0/24")
TRUST = TrustContext(
    own_domains=("isp.example.jp",), is_our_address=lambda ip: ipaddress.ip_address(ip) in OURS
)
AUTOMATIC_REPLY = "an automatic reply (out of office, a ticket receipt): not an abuse report"
LIST_NOTICE = (
    "a mailing list's or a mail system's notice about a message sent to it "
    "(held for moderation, rejected, not delivered): not an abuse report"
)
SEND_ONLY = "an automatic notice from a sender that takes no replies, reporting no abuse: not an abuse report"

# A spam with our abuse address forged as its sender, sent to a list from our customer's
# line (198.51.100.77): the list's notice about it comes back to the abuse mailbox.
POSTED = (
    "Received: from pc77 (pc77.dyn.isp.example.jp [198.51.100.77]) by mx.lists.example.org"
    " (Postfix) with ESMTP id 4F1;\r\n Fri, 20 Nov 2026 04:10:00 +0000\r\n"
    "From: abuse@isp.example.jp\r\nTo: users@lists.example.org\r\nSubject: cheap pills\r\n"
    "Date: Fri, 20 Nov 2026 13:09:50 +0900\r\nMessage-ID: <x1@pc77>\r\n\r\n"
    "Buy cheap pills at http://pills.example.com/\r\n"
)
ROUTE = (
    "Received: from out.example.net (out.example.net [192.0.2.70]) by mx.isp.example.jp with ESMTP id Z;\r\n"
    " Fri, 20 Nov 2026 05:00:05 +0000\r\n"
)


def _words(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def mail(head: str, body: str, ctype: str = "text/plain; charset=UTF-8") -> bytes:
    return (
        ROUTE + head + "To: abuse@isp.example.jp\r\nDate: Fri, 20 Nov 2026 14:00:00 +0900\r\n"
        f"Message-ID: <n1@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    ).encode()


def with_attached(head: str, words: str, attached: str = POSTED) -> bytes:
    body = (
        f"--XX\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{words}\r\n"
        f"--XX\r\nContent-Type: message/rfc822\r\n\r\n{attached}\r\n--XX--\r\n"
    )
    return mail(head, body, 'multipart/mixed; boundary="XX"')


def parse(raw: bytes):
    return parse_report(raw, content_type="message/rfc822", trust=TRUST)


def assert_set_aside(parsed, reason: str) -> None:
    assert parsed.parse_error == reason
    assert parsed.message_kind == "machine_report" and parsed.category == "other"
    assert parsed.source_ip is None and parsed.source_ip_named is None and parsed.hops == []


# -- a list manager's or a mail system's notice -------------------------------------------

MAILMAN2_HELD = mail(
    "Return-Path: <users-bounces@lists.example.org>\r\nFrom: users-owner@lists.example.org\r\n"
    "Subject: Your message to Users awaits moderator approval\r\nPrecedence: bulk\r\n"
    "X-BeenThere: users@lists.example.org\r\nX-Mailman-Version: 2.1.39\r\n"
    "List-Id: Users <users.lists.example.org>\r\nX-List-Administrivia: yes\r\n",
    "Your mail to 'Users' with the subject\r\n\r\n    cheap pills\r\n\r\n"
    "Is being held until the list moderator can review it for approval.\r\n\r\n"
    "The reason it is being held:\r\n\r\n    Post by non-member to a members-only list\r\n",
)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(MAILMAN2_HELD, id="mailman2-held"),
        pytest.param(
            with_attached(
                "From: users-owner@lists.example.org\r\nSubject: Your message to users@lists.example.org "
                "was rejected\r\nPrecedence: bulk\r\nList-Id: <users.lists.example.org>\r\n",
                "Your message to the users mailing-list was rejected for the following reasons:\r\n\r\n"
                "The message is not from a list member\r\n",
            ),
            id="mailman3-rejected-with-the-post-attached",
        ),
        pytest.param(
            with_attached(
                "From: SYMPA <sympa@lists.example.org>\r\nSubject: Message distribution: Authorization denied\r\n",
                "Your message for list 'users' (attached below) was rejected.\r\n"
                "You are not allowed to send this message for the following reason:\r\n"
                "  The sender is not a subscriber of the list.\r\n",
            ),
            id="sympa-with-the-post-attached",
        ),
        pytest.param(
            mail(
                "From: Google Groups <noreply@googlegroups.com>\r\n"
                "Subject: Your message to users@googlegroups.com was not delivered\r\n",
                "You don't have permission to post to this group.\r\n\r\n"
                "----- Original message -----\r\n\r\n" + POSTED,
            ),
            id="google-groups-with-the-post-inline",
        ),
        pytest.param(
            mail(
                "From: users-request@lists.example.org\r\nList-Post: <mailto:users@lists.example.org>\r\n"
                "Subject: Message rejected\r\n",
                "Your message to users@lists.example.org has been rejected: posting by non-members "
                "is not allowed.\r\n\r\n> From: abuse@isp.example.jp\r\n> Sent from 198.51.100.77\r\n",
            ),
            id="from-the-lists-request-address-quoting-the-post",
        ),
        pytest.param(
            mail(
                "From: users-owner@ml.example.jp\r\nX-List-Administrivia: yes\r\n"
                f"Subject: {_words('[users] 投稿の保留')}\r\n",
                "あなたが投稿したメールは、管理者の承認待ちのため保留されています。\r\n"
                "送信元: 198.51.100.77\r\n件名: 格安\r\n",
            ),
            id="japanese-list-held",
        ),
    ],
)
def test_a_list_managers_notice_about_a_post_names_nobody(raw):
    assert_set_aside(parse(raw), LIST_NOTICE)


def test_a_mail_systems_notice_about_our_mail_names_nobody():
    raw = mail(
        "From: Filter <noreply@filter.example>\r\nAuto-Submitted: auto-generated\r\nSubject: Undelivered: hello\r\n",
        "Your message to bob@filter.example was not delivered: the mailbox is full.\r\n",
    )
    assert_set_aside(parse(raw), LIST_NOTICE)


@pytest.mark.parametrize(
    "body",
    [
        "Your mail server 198.51.100.77 was blocked after it sent spam to our traps on 2026-11-20 04:00 UTC.\r\n",
        "Your message from 198.51.100.77 was rejected as spam on 2026-11-20 04:00 UTC.\r\n",
    ],
)
def test_a_receivers_notice_of_spam_it_blocked_from_an_address_is_a_complaint(body):
    raw = mail(
        "From: Filter <noreply@filter.example>\r\nAuto-Submitted: auto-generated\r\nSubject: Notice\r\n", body
    )
    parsed = parse(raw)
    assert (parsed.message_kind, parsed.source_ip, parsed.parse_error) == ("complaint", "198.51.100.77", None)


def test_a_person_forwarding_a_lists_notice_still_complains():
    forwarded = MAILMAN2_HELD.replace(
        b"From: users-owner@lists.example.org", b"From: Taro <taro@partner.example>"
    )
    forwarded = forwarded.replace(b"Subject: Your message", b"Subject: Fwd: Your message")
    forwarded = forwarded.replace(b"X-List-Administrivia: yes\r\n", b"")
    assert parse(forwarded).parse_error != LIST_NOTICE


# -- receipts, send-only notices, vacation replies -----------------------------------------

CARRIER_RECEIPT = mail(
    f"From: no-reply@notice.carrier.example.jp\r\nSubject: {_words('【受付完了】迷惑メール情報提供のお知らせ')}\r\n",
    "迷惑メール申告窓口です。\r\n\r\n"
    "このメールは送信専用です。ご返信いただいてもお答えできませんのでご了承ください。\r\n\r\n"
    "お送りいただいた迷惑メールの情報を受け付けました。\r\n\r\n"
    "> 送信元IPアドレス: 198.51.100.77\r\n> 日時: 2026/11/20 13:10\r\n",
)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(CARRIER_RECEIPT, AUTOMATIC_REPLY, id="carrier-receipt-quoting-our-report"),
        pytest.param(
            mail(
                "From: Abuse Desk <donotreply@bigcorp.example>\r\nSubject: Re: Spam from 198.51.100.77\r\n",
                "Thank you for your report. We have received your message and will look into it.\r\n"
                "Please do not reply to this email.\r\n",
            ),
            AUTOMATIC_REPLY,
            id="english-receipt-naming-the-address-we-reported",
        ),
        pytest.param(
            mail(
                f"From: no-reply@info.carrier.example.jp\r\nSubject: {_words('メンテナンスのお知らせ')}\r\n",
                "いつもご利用いただきありがとうございます。11月25日 2:00〜5:00 にメンテナンスを行います。\r\n"
                "このメールは送信専用です。\r\nhttps://www.carrier.example.jp/info/\r\n",
            ),
            SEND_ONLY,
            id="carrier-service-notice",
        ),
        pytest.param(
            mail(
                "From: Jiro <jiro@partner.example>\r\nPrecedence: junk\r\n"
                f"Subject: {_words('自動返信: 迷惑メールについて')}\r\n",
                "ただいま不在にしております。11月25日に戻ります。\r\n\r\n"
                "> 送信元 198.51.100.77 からの迷惑メールについてご連絡します。\r\n",
            ),
            AUTOMATIC_REPLY,
            id="vacation-reply-marked-bulk-quoting-our-mail",
        ),
        pytest.param(
            mail(
                "From: Bob <noreply@partner.example>\r\nSubject: Out of Office: spam from 198.51.100.77\r\n",
                "I am out of the office until Monday.\r\n",
            ),
            AUTOMATIC_REPLY,
            id="vacation-reply-from-an-address-that-takes-no-replies",
        ),
    ],
)
def test_a_programs_receipt_or_notice_names_nobody(raw, reason):
    assert_set_aside(parse(raw), reason)


# -- what stays a complaint -----------------------------------------------------------------


def test_a_feedback_loops_report_from_a_no_reply_sender_is_a_report():
    raw = arf(feedback_fields=b"Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n")
    raw = raw.replace(b"From: FBL <fbl@reporter.example>", b"From: FBL <noreply@fbl.reporter.example>")
    raw = raw.replace(b"MIME-Version", b"Auto-Submitted: auto-generated\nPrecedence: bulk\nMIME-Version")
    raw = raw.replace(
        b"This is an abuse report.", b"This is an automated message. Please do not reply to this email."
    )
    parsed = parse_report(raw)
    assert (parsed.format, parsed.message_kind, parsed.parse_error) == ("arf", "machine_report", None)
    assert parsed.source_ip == "203.0.113.9"


def test_a_spamcop_report_is_a_report():
    raw = (
        ROUTE + "From: 1234567@reports.spamcop.net\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: [SpamCop (http://pills.example.com/) id:1234567]cheap pills\r\nPrecedence: bulk\r\n"
        "Date: Fri, 20 Nov 2026 05:00:00 +0000\r\n\r\n"
        "- SpamCop V5.4.0 -\r\nThis message is brief for your comfort.  Please use links below for details.\r\n\r\n"
        "Email from 198.51.100.77 / Fri, 20 Nov 2026 04:10:00 +0000\r\n"
        "http://www.spamcop.net/w3m?i=z1234567\r\n\r\n[ Offending message ]\r\n" + POSTED
    ).encode()
    parsed = parse(raw)
    assert (parsed.format, parsed.source_ip, parsed.parse_error) == ("spamcop", "198.51.100.77", None)


def test_a_persons_complaint_from_a_webmail_marked_bulk_is_a_complaint():
    raw = mail(
        f"From: Hanako <hanako@webmail.example.net>\r\nPrecedence: bulk\r\nSubject: {_words('迷惑メールについて')}\r\n",
        "198.51.100.77 から迷惑メールが毎日届きます。2026/11/20 13:12 に受信しました。対応をお願いします。\r\n",
    )
    parsed = parse(raw)
    assert (parsed.message_kind, parsed.source_ip, parsed.parse_error) == ("complaint", "198.51.100.77", None)


@pytest.mark.parametrize(
    "sender",
    [
        "Taro <taro@partner.example>",
        # A list that rewrites a post's From to its own address (DMARC mitigation).
        "Taro via abuse-share <abuse-share@lists.example.org>",
    ],
)
def test_a_complaint_forwarded_through_a_list_is_a_complaint(sender):
    raw = with_attached(
        f"From: {sender}\r\nList-Id: <abuse-share.lists.example.org>\r\nPrecedence: list\r\n"
        "List-Post: <mailto:abuse-share@lists.example.org>\r\nX-Mailman-Version: 2.1.39\r\n"
        "Subject: [abuse-share] spam from your customer\r\n",
        "Spam from your network, the copy is attached. Your message filter let it through; my report was rejected.",
    )
    parsed = parse(raw)
    assert (parsed.message_kind, parsed.source_ip, parsed.source_basis) == (
        "complaint",
        "198.51.100.77",
        "walked",
    )


@pytest.mark.parametrize(
    "body",
    [
        # A carrier's automatic complaint: the address it saw, and its own reference number.
        "貴社ネットワークの送信元IPアドレス 198.51.100.77 から当社ユーザー宛に迷惑メールが送信されています。\r\n"
        "日時: 2026/11/20 13:12\r\n受付番号: 123456\r\nこのメールは送信専用です。ご返信いただいてもお答えできません。\r\n",
        # A sensor's notice with the address under a label.
        "Host: 198.51.100.77\r\nType: ssh brute force\r\nTime: 2026-11-20 04:00:00 UTC\r\n"
        "This is an automated message, do not reply to this message.\r\n",
    ],
)
def test_a_programs_complaint_from_a_no_reply_sender_names_the_address(body):
    raw = mail(
        "From: no-reply@abuse.carrier.example.jp\r\nAuto-Submitted: auto-generated\r\nSubject: Notice\r\n",
        body,
    )
    parsed = parse(raw)
    assert (parsed.message_kind, parsed.source_ip, parsed.parse_error) == ("complaint", "198.51.100.77", None)


def test_a_takedown_notice_naming_only_a_url_is_a_complaint():
    raw = mail(
        "From: Takedown <noreply@takedown.example>\r\nAuto-Submitted: auto-generated\r\n"
        "Subject: Phishing site on your network\r\n",
        "A phishing page is hosted at hxxp://shop.example.jp/login/ .\r\n"
        "This is an automated message. Please do not reply to this email.\r\n",
    )
    parsed = parse(raw)
    assert (parsed.message_kind, parsed.category, parsed.parse_error) == ("complaint", "phishing", None)
    assert parsed.url_hosts == ["shop.example.jp"]
