"""Builders for the shapes in which spam reaches an abuse desk, written for these tests.

Addresses are RFC 5737 / RFC 3849 documentation ranges and example.* names. The spam
always comes from SPAM_IP; the complainant's own mail always passes COMPLAINANT_IP and
the complainant's provider, so a test can tell whose chain was walked.
"""

from __future__ import annotations

import base64

SPAM_IP = "203.0.113.77"
COMPLAINANT_IP = "198.51.100.23"  # the complainant's provider's outbound server
COMPLAINANT_CLIENT = "192.0.2.150"  # the complainant's own PC

SPAM_HEADERS = (
    "Return-Path: <offers@deals.example>\n"
    "Delivered-To: victim@mail.victim.example\n"
    "Received: from mx1.victim.example (mx1.victim.example [10.20.0.5])\n"
    "\tby store.victim.example (Postfix) with LMTP id 7F3A2\n"
    "\tfor <victim@mail.victim.example>; Fri, 20 Nov 2026 19:00:03 +0900 (JST)\n"
    f"Received: from user-pc (host77.dsl.customer.example [{SPAM_IP}])\n"
    "\tby mx1.victim.example (Postfix) with ESMTP id 4C1B9\n"
    "\tfor <victim@mail.victim.example>; Fri, 20 Nov 2026 19:00:01 +0900 (JST)\n"
    "From: \"Best Deals\" <offers@deals.example>\n"
    "To: victim@mail.victim.example\n"
    "Subject: Cheap watches, today only\n"
    "Date: Fri, 20 Nov 2026 10:00:00 +0000\n"
    "Message-ID: <20261120100000.4711@deals.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
)
SPAM_BODY = "Order now at http://watches.shop.example/today and save 90%.\n"
SPAM = (SPAM_HEADERS + "\n" + SPAM_BODY).encode()


def complainant_envelope(*, to: str = "abuse@isp.example", subject: str = "Spam from your network") -> str:
    """Header block of a person's mail to us: their own provider's chain, which is never the origin."""
    return (
        "Return-Path: <taro@freemail.example>\n"
        "Received: from out-7.freemail.example (out-7.freemail.example "
        f"[{COMPLAINANT_IP}])\n"
        "\tby mx.isp.example (Postfix) with ESMTPS id 9D00A\n"
        f"\tfor <{to}>; Sat, 21 Nov 2026 08:30:05 +0900 (JST)\n"
        f"Received: from [192.168.1.20] (p1150-ipbf.example.ne.jp [{COMPLAINANT_CLIENT}])\n"
        "\t(Authenticated sender: taro@freemail.example)\n"
        "\tby out-7.freemail.example (Postfix) with ESMTPSA id 33E1F\n"
        "\tfor <abuse@isp.example>; Sat, 21 Nov 2026 08:30:04 +0900 (JST)\n"
        "From: Taro Yamada <taro@freemail.example>\n"
        f"To: {to}\n"
        f"Subject: {subject}\n"
        "Date: Sat, 21 Nov 2026 08:30:00 +0900\n"
        "Message-ID: <c0ffee.1@freemail.example>\n"
        "MIME-Version: 1.0\n"
    )


def attached(spam: bytes = SPAM, *, content_type: str = "message/rfc822", encoding: str = "7bit",
             filename: str = "spam.eml", note: str = "Please stop this spam.\n") -> bytes:
    """A person's mail with the spam attached; any content type, optionally base64."""
    payload = spam.decode("utf-8", "surrogateescape")
    boundary = f"outer-{len(spam)}"  # nested attachments need boundaries of their own
    if encoding == "base64":
        payload = base64.encodebytes(spam).decode("ascii")
    return (
        complainant_envelope(subject="Fwd: Cheap watches, today only")
        + f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n"
        + note
        + f"\n--{boundary}\n"
        f'Content-Type: {content_type}; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n'
        f"Content-Transfer-Encoding: {encoding}\n\n"
        + payload
        + f"\n--{boundary}--\n"
    ).encode("utf-8", "surrogateescape")


def pasted(headers: str = SPAM_HEADERS, *, wrap: int | None = None, quote: str = "",
           intro: str = "Hello, I keep getting this spam. Full headers below:\n\n") -> bytes:
    """A person pasting the spam's headers into a plain-text mail, re-wrapped by their mail program."""
    lines = []
    for line in headers.splitlines():
        line = line.replace("\t", "") if wrap else line
        while wrap and len(line) > wrap:
            cut = line.rfind(" ", 0, wrap)
            cut = cut if cut > 0 else wrap
            lines.append(line[:cut])
            line = line[cut:].lstrip()  # the wrapped continuation loses its indent
        lines.append(line)
    block = "\n".join(quote + line for line in lines)
    return (
        complainant_envelope()
        + "Content-Type: text/plain; charset=utf-8\n\n"
        + intro
        + block
        + "\n\n"
        + quote
        + SPAM_BODY
        + "\nRegards,\nTaro\n"
    ).encode("utf-8", "surrogateescape")


def feedback_report(spam: bytes = SPAM, *, source: str = SPAM_IP, part_type: str = "message/feedback-report",
                    top: str = 'multipart/report; report-type=feedback-report') -> bytes:
    return (
        "From: FBL <fbl@mailbox.example>\n"
        "To: abuse@isp.example\n"
        "Subject: FW: Cheap watches, today only\n"
        "Date: Fri, 20 Nov 2026 10:05:00 +0000\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: {top}; boundary="arf"\n\n'
        "--arf\nContent-Type: text/plain\n\nThis is an email abuse report.\n"
        f"--arf\nContent-Type: {part_type}\n\n"
        "Feedback-Type: abuse\nUser-Agent: MailboxFBL/2.1\nVersion: 1\n"
        f"Source-IP: {source}\n"
        "Arrival-Date: Fri, 20 Nov 2026 19:00:01 +0900\n"
        "\n--arf\nContent-Type: message/rfc822\n\n"
        + spam.decode("utf-8", "surrogateescape")
        + "\n--arf--\n"
    ).encode("utf-8", "surrogateescape")
