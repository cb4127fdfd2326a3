"""Small hand-written reports for the focused tests (RFC 5737 / example.* names only)."""

from __future__ import annotations

SPAM = (
    b"Received: from mail.bad.example (mail.bad.example [203.0.113.9])\n"
    b"\tby mx.reporter.example (Postfix) with ESMTP id ABC123\n"
    b"\tfor <victim@reporter.example>; Fri, 20 Nov 2026 19:00:00 +0900\n"
    b"From: Bad Sender <spammer@bad.example>\n"
    b"To: victim@reporter.example\n"
    b"Subject: Cheap pills\n"
    b"Message-ID: <1.abc@bad.example>\n"
    b"Date: Fri, 20 Nov 2026 09:59:00 +0000\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b"\n"
    b"Buy now at http://shop.bad.example/now and www.other.example/x.\n"
)


def arf(*, feedback_fields: bytes, embedded: bytes = SPAM) -> bytes:
    return (
        b"From: FBL <fbl@reporter.example>\n"
        b"To: abuse@isp.example\n"
        b"Subject: FW: Cheap pills\n"
        b"Date: Fri, 20 Nov 2026 10:05:00 +0000\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\n'
        b"\n"
        b"--b1\n"
        b"Content-Type: text/plain\n"
        b"\n"
        b"This is an abuse report. See http://fbl.reporter.example/help\n"
        b"--b1\n"
        b"Content-Type: message/feedback-report\n"
        b"\n" + feedback_fields + b"\n"
        b"--b1\n"
        b"Content-Type: message/rfc822\n"
        b"\n" + embedded + b"\n"
        b"--b1--\n"
    )


FULL_FEEDBACK = (
    b"Feedback-Type: abuse\n"
    b"User-Agent: TestFBL/1.0\n"
    b"Version: 1\n"
    b"Source-Ip: 203.0.113.9\n"
    b"Arrival-Date: Fri, 20 Nov 2026 19:00:00 +0900\n"
    b"Original-Mail-From: <spammer@bad.example>\n"
    b"Original-Rcpt-To: <victim@reporter.example>\n"
    b"Reported-Domain: bad.example\n"
    b"Reported-Uri: http://bad.example/buy\n"
    b"Reported-Uri: mailto:orders@bad.example\n"
)

SPARSE_FEEDBACK = b"Feedback-Type: abuse\nUser-Agent: TestFBL/1.0\nVersion: 1\n"

XARF_MAIL = (
    b"From: reports@trap.example\n"
    b"To: abuse@isp.example\n"
    b"Subject: abuse report about 203.0.113.20\n"
    b"Date: Fri, 20 Nov 2026 10:00:00 +0100\n"
    b"X-XARF: PLAIN\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="x1"\n'
    b"\n"
    b"--x1\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Your customer sent spam to our trap.\n"
    b"--x1\n"
    b'Content-Type: text/plain; charset=utf-8; name="report.txt"\n'
    b"\n"
    b"---\n"
    b"Reported-From: reports@trap.example\n"
    b"Category: abuse\n"
    b"Report-Type: spam\n"
    b"Version: 0.2\n"
    b"User-Agent: TrapBot 1.0\n"
    b"Date: Fri, 20 Nov 2026 09:58:00 +0100\n"
    b"Source-Type: ip-address\n"
    b"Source: 203.0.113.20\n"
    b"Port: 25\n"
    b"Report-ID: 42@trap.example\n"
    b"Attachment: message/rfc822\n"
    b"--x1\n"
    b"Content-Type: message/rfc822\n"
    b"\n"
    b"Received: from bot.customer.example (bot.customer.example [203.0.113.20])\n"
    b"\tby trap.example with SMTP; Fri, 20 Nov 2026 09:58:00 +0100\n"
    b"From: x@bot.customer.example\n"
    b"Subject: hello\n"
    b"\n"
    b"see http://spam.example/\n"
    b"--x1--\n"
)

SPAMCOP_INLINE = (
    b"From: 7123456789@reports.spamcop.net\n"
    b"To: abuse@isp.example\n"
    b"Subject: [SpamCop (http://shop.bad.example/) id:7123456789]Cheap pills\n"
    b"Date: Thu, 20 Nov 2026 12:00:00 +0000\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b"\n"
    b"[ SpamCop V5.4.0 ]\n"
    b"This message is brief for your comfort.  Please use links below for details.\n"
    b"\n"
    b"Email from 192.0.2.5 / Thu, 20 Nov 2026 10:00:00 +0000\n"
    b"https://www.spamcop.net/w3m?i=z7123456789z\n"
    b"\n"
    b"Spamvertised web site: http://shop.bad.example/\n"
    b"\n"
    b"[ Offending message ]\n"
    b"Return-Path: <x@bad.example>\n"
    b"Received: from host.customer.example (host.customer.example [192.0.2.5])\n"
    b"\tby mx.victim.example with ESMTP id Q1; Thu, 20 Nov 2026 10:00:00 +0000\n"
    b"From: x@bad.example\n"
    b"To: x\n"
    b"Subject: Cheap pills\n"
    b"Message-ID: <q1@bad.example>\n"
    b"\n"
    b"Order at http://shop.bad.example/order\n"
)
