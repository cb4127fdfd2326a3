"""Small complaint messages built in the tests, so each test says what it feeds in."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime


def spam(
    *,
    origin_ip: str = "198.51.100.23",
    at: datetime,
    subject: str = "Cheap pills",
    url: str = "http://pills.example.net/buy",
    reporter_mx: str = "mx.receiver.example",
    message_id: str = "<spam-1@pc.invalid>",
    login: str | None = None,
    helo: str = "pc-1234",
) -> bytes:
    msg = EmailMessage()
    if login:
        msg["Received"] = (
            f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by {reporter_mx} (Postfix) "
            f"with ESMTPS id 5R1; {format_datetime(at)}"
        )
        msg["Received"] = (
            f"from pc (unknown [{origin_ip}]) (Authenticated sender: {login}) by smtp1.isp.example.jp "
            f"(Postfix) with ESMTPSA id 6S1; {format_datetime(at)}"
        )
    else:
        msg["Received"] = (
            f"from {helo} (unknown [{origin_ip}]) by {reporter_mx} (Postfix) with ESMTP id 4Q1; "
            f"{format_datetime(at)}"
        )
    msg["From"] = "sale@spammer.example"
    msg["To"] = "victim@receiver.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id
    msg.set_content(f"Buy now!\n{url}\n")
    return bytes(msg)


def complaint(*, reporter: str, attached: bytes, subject: str = "Spam from your network") -> bytes:
    """A person forwarding the spam as an attachment."""
    msg = EmailMessage()
    msg["From"] = reporter
    msg["To"] = "abuse@isp.example.jp"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<complaint-{abs(hash((reporter, attached))) % 10**8}@receiver.example>"
    msg.set_content("Please stop this spam.")
    msg.add_attachment(email.message_from_bytes(attached, policy=email.policy.default))
    return bytes(msg)
