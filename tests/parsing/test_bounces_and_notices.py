"""What a message is, for mail servers' own notices: a bounce is written by a mail server
(a null or a mailer's sender, a mailer's From, or none) and says so in its subject, in
whatever language the server speaks, whether or not it carries an RFC 3464 status part.
Nobody complains in it. A person forwarding one writes about it: a complaint."""

import pytest

from complaints.parsing import parse_report

BOUNCE = "a delivery status notification (a bounce), not an abuse report: nothing is attributed"
# The returned copy: it left 198.51.100.2, which a misread would take for the spam's source.
COPY = (
    "Received: from pc.example.jp (pc.example.jp [198.51.100.2]) by mx.example.jp with ESMTP id Q1;\r\n"
    " Wed, 29 Apr 2015 23:34:45 +0900\r\n"
    "From: someone@example.jp\r\nTo: nobody@example.net\r\nSubject: hello\r\n"
    "Date: Wed, 29 Apr 2015 23:34:44 +0900\r\nMessage-ID: <q1@example.jp>\r\n\r\nhello\r\n"
)


def _text_bounce(sender: str | None, subject: str, return_path: str | None = "<>") -> bytes:
    head = f"Return-Path: {return_path}\r\n" if return_path else ""
    head += f"From: {sender}\r\n" if sender is not None else ""
    head += (
        f"To: abuse@isp.example.jp\r\nSubject: {subject}\r\nDate: Wed, 29 Apr 2015 23:40:00 +0900\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    body = (
        "This message was created automatically by mail delivery software.\r\n\r\n"
        "A message that you sent could not be delivered to one or more of its recipients.\r\n"
        "  nobody@example.net\r\n    host mx.example.net [192.0.2.82]: 550 5.1.1 unknown user\r\n\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n\r\n"
    )
    return (head + body + COPY).encode("utf-8")


@pytest.mark.parametrize(
    "sender, subject, return_path",
    [
        ("MAILER-DAEMON@mx.example.jp (Mail Delivery System)", "Undelivered Mail Returned to Sender", None),
        (
            "Mail Delivery System <Mailer-Daemon@mx.example.jp>",
            "Mail delivery failed: returning message",
            None,
        ),
        ("MAILER-DAEMON <>", "Mail delivery failed", None),
        ("<MAILER-DAEMON>", "Returned mail: see transcript for details", None),
        ("Mail.Delivery.System@mx.example.jp", "Delivery Status Notification (Failure)", None),
        (None, "Returned mail: Cannot send message for 5 days", None),
        ("Neko <neko@example.jp>", "failure notice", "<>"),
        ("System Administrator <admin@example.jp>", "Undeliverable: hello", "<postmaster@example.jp>"),
        ("Postmaster <postmaster@example.jp>", "Unzustellbar: hello", None),
        ("postmaster@example.fr", "Non remis : hello", None),
        ("MAILER-DAEMON@example.jp", "=?UTF-8?B?6YWN5L+h44Ko44Op44O8?=", None),  # 配信エラー
        ("mailer-daemon@example.ru", "Недоставленное сообщение", None),
        ("MAILER-DAEMON@example.com", "Warning: could not send message for past 4 hours", None),
    ],
)
def test_text_bounce_from_a_mail_server_is_a_bounce(sender, subject, return_path):
    report = parse_report(_text_bounce(sender, subject, return_path))
    assert report.parse_error == BOUNCE
    assert report.source_ip is None and report.message_kind == "machine_report"


@pytest.mark.parametrize(
    "sender, subject",
    [
        # A person forwarding a bounce they received: their complaint (backscatter).
        ("Taro <taro@example.jp>", "Fwd: Returned mail: see transcript for details"),
        ("MAILER-DAEMON@example.jp", "Fwd: Undelivered Mail Returned to Sender"),
        # A person's words with a bounce's subject, from a person's address and envelope.
        ("Taro <taro@example.jp>", "Undeliverable mail everywhere: spam from your network"),
    ],
)
def test_a_persons_message_about_a_bounce_is_no_bounce(sender, subject):
    report = parse_report(_text_bounce(sender, subject, return_path="<taro@example.jp>"))
    assert report.parse_error != BOUNCE


def test_delivery_status_report_signed_by_a_mailers_display_name_is_a_bounce():
    """multipart/report; report-type=delivery-status with its message/delivery-status
    part, "Mail Delivery Service" at an address with no mailer name, no Return-Path."""
    raw = (
        "From: Mail Delivery Service <bosscat@example.com>\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message was not delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n" + COPY + "--b--\r\n"
    ).encode()
    assert parse_report(raw).parse_error == BOUNCE


def test_address_in_a_mail_servers_diagnostic_is_no_stated_source():
    """A person pasting their mail server's diagnostic: the address in it is the server
    that refused their mail (the next hop), never a spam's source."""
    raw = (
        b"From: Taro <taro@example.jp>\r\nTo: abuse@isp.example.jp\r\nSubject: mail to your customer\r\n"
        b"Date: Wed, 29 Apr 2015 23:40:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hello abuse team,\r\n\r\nmy mail to your customer comes back with this:\r\n\r\n"
        b"  host mx.customer.example.jp[203.0.113.5] said: 550 5.7.1 rejected (in reply to RCPT TO)\r\n"
        b"  mx2.customer.example.jp [203.0.113.6] did not like our RCPT TO\r\n\r\nRegards, Taro\r\n"
    )
    report = parse_report(raw)
    assert report.source_ip is None
    assert report.source_ip_named is None


@pytest.mark.parametrize(
    "feedback_type, category",
    [("abuse (spam)", "spam"), ("opt-out", "opt-out"), ("unsubscribe", "opt-out"), ("dmarc", "auth-failure")],
)
def test_feedback_types(feedback_type, category):
    raw = (
        "From: fbl@example.net\r\nTo: abuse@isp.example.jp\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
        f"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: {feedback_type}\r\n"
        "User-Agent: fbl/1.0\r\nVersion: 1\r\nSource-IP: 198.51.100.2\r\n\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n" + COPY + "--b--\r\n"
    ).encode()
    report = parse_report(raw)
    assert report.category == category
    assert report.format == ("dmarc-forensic" if category == "auth-failure" else "arf")
