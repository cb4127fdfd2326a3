"""Messages signed with a DKIM key made in the test, and the zone that publishes it."""

from __future__ import annotations

import base64
from email.utils import format_datetime

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from complaints.choices import Channel
from complaints.services import report_ingest


def make_key() -> tuple[bytes, str]:
    """(private key PEM, the TXT value that publishes its public half)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, f'"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"'


def message(
    *,
    origin: str,
    at,
    header_from: str = "sales@shop.example",
    mail_from: str | None = "bounce@shop.example",
    body: str = "Buy now!\r\nhttp://shop.example/offer\r\n",
    sign: tuple[bytes, str, str] | None = None,  # (private key, selector, d=)
    stated: str | None = None,
    message_id: str = "<m1@shop.example>",
) -> bytes:
    head = (
        f"From: {header_from}\r\nTo: victim@receiver.example\r\nSubject: Offer\r\n"
        f"Date: {format_datetime(at)}\r\nMessage-ID: {message_id}\r\n"
    ).encode()
    signed = head + b"\r\n" + body.encode()
    if sign is not None:
        private, selector, domain = sign
        signed = (
            dkim.sign(
                signed,
                selector.encode(),
                domain.encode(),
                private,
                include_headers=[b"from", b"subject", b"date"],
            )
            + signed
        )
    trace = ""
    if mail_from is not None:
        trace += f"Return-Path: <{mail_from}>\r\n"
    if stated:
        trace += f"Authentication-Results: mx.receiver.example; {stated}\r\n"
    trace += (
        f"Received: from pc-1 (unknown [{origin}]) by mx.receiver.example (Postfix) with ESMTP id 4Q1; "
        f"{format_datetime(at)}\r\n"
    )
    return trace.encode() + signed


def ingest(raw: bytes, *, reporter: str = "partner:fbl"):
    return report_ingest(
        raw=raw, channel=Channel.API, reporter_key=reporter, content_type="message/rfc822", acknowledge=False
    ).report
