"""Issue 10, item 8: a forward to another provider never names the complainant.

Through the API a staff member uses, in both forward formats (ARF, XARF): the
complainant's own headers are gone when the mailbox complaint is itself the spam, and
the recipient's address in a personalised spam (subject, text, HTML, links; plain,
URL-encoded, in any case, inside base64 or quoted-printable) is redacted.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from base64 import b64decode
from email.message import EmailMessage

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.services import report_ingest
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct
from tests.complaints.samples import complaint
from tests.personas import token_client

pytestmark = pytest.mark.django_db
VICTIM = "victim.person@receiver.example"
VARIANTS = re.compile(
    rb"victim\.person(@|%40|%2540|&#64;|&#x40;| at )receiver\.example|dmljdGltLnBlcnNvbkByZWNlaXZlci5leGFtcGxl",
    re.IGNORECASE,
)


def personalised_spam() -> bytes:
    msg = EmailMessage()
    msg["Received"] = direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")
    msg["From"] = "Pharmacy <sale@spammer.example>"
    msg["To"] = f"Victim Person <{VICTIM}>"
    msg["Subject"] = f"{VICTIM.upper()}, your Cheap pills are waiting"
    msg["Message-ID"] = "<p-1@pc.invalid>"
    msg["Date"] = "Fri, 20 Nov 2026 14:00:00 +0900"
    text = (
        f"Hello {VICTIM}!\nCheap pills: http://pills.example.net/u?e=Victim.Person%40Receiver.Example&x=1\n"
        f"Unsubscribe: http://pills.example.net/unsub/{VICTIM}\n"
    )
    msg.set_content(text, cte="base64")
    msg.add_alternative(
        f'<p>Hi <a href="mailto:{VICTIM}">{VICTIM}</a>, '
        f'<a href="http://pills.example.net/buy?to=victim.person%40receiver.example">Cheap pills</a></p>',
        subtype="html",
        cte="quoted-printable",
    )
    return bytes(msg)


def redirected_spam() -> bytes:
    """The spam itself, redirected ("bounced") by the complainant to our abuse mailbox."""
    spam = personalised_spam().decode()
    added = (
        f"Return-Path: <{VICTIM}>\n"
        f"Received: from [10.0.0.5] (pc.receiver.example [203.0.113.9]) by mail.receiver.example "
        f"with ESMTPSA id 9Z for <abuse@isp.example.jp>; Fri, 20 Nov 2026 15:00:00 +0900\n"
        f"Resent-From: Victim Person <{VICTIM}>\n"
        "Resent-To: abuse@isp.example.jp\n"
        "Resent-Date: Fri, 20 Nov 2026 15:00:00 +0900\n"
        "Resent-Message-ID: <resent-1@receiver.example>\n"
        f"X-Forwarded-For: {VICTIM} abuse@isp.example.jp\n"
        f"Delivered-To: {VICTIM}\n"
    )
    return (added + spam).encode()


def inline_forward() -> bytes:
    """The complainant's own mail, the spam pasted into the text."""
    msg = EmailMessage()
    msg["From"] = f"Victim Person <{VICTIM}>"
    msg["To"] = "abuse@isp.example.jp"
    msg["Subject"] = "Fwd: Cheap pills"
    msg["Message-ID"] = "<fwd-1@receiver.example>"
    msg["Date"] = "Fri, 20 Nov 2026 15:00:00 +0900"
    msg.set_content(
        "Please stop this.\n\n---------- Forwarded message ---------\n"
        "From: sale@spammer.example\n"
        f"To: {VICTIM}\n"
        "Subject: Cheap pills\n\n"
        f"Received: {direct('192.0.2.177', HANDOVER, rdns='host77.bulk-hoster.example')}\n\n"
        "Buy now http://pills.example.net/buy\n"
    )
    return bytes(msg)


def _case(raw: bytes):
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key=f"email:{VICTIM}", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    report.refresh_from_db()
    return report.case


def _forward(case, fmt, staff_token, mailoutbox, capture) -> bytes:
    with capture(execute=True):
        response = token_client(staff_token).post(
            f"/api/v1/cases/{case.pk}/forward/",
            {"format": fmt, "to": "abuse@bulk-hoster.example"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    return mailoutbox[-1].message().as_bytes()


def _everything(wire: bytes) -> list[bytes]:
    """The wire and every decoded part, down into the XARF evidence and attached messages."""
    out = [wire]
    msg = email.message_from_bytes(wire, policy=email.policy.default)
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        out.append(payload)
        if part.get_content_type() == "application/json":
            for item in json.loads(payload).get("evidence", []):
                out.extend(_everything(b64decode(item["payload"])))
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            for inner in part.get_payload():
                out.extend(_everything(inner.as_bytes()))
    return out


def _spam_of(wire: bytes) -> EmailMessage:
    msg = email.message_from_bytes(wire, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "application/json":
            data = json.loads(part.get_payload(decode=True))
            return email.message_from_bytes(
                b64decode(data["evidence"][0]["payload"]), policy=email.policy.default
            )
        if part.get_content_type() == "message/rfc822":
            return part.get_payload()[0]
    raise AssertionError("no spam in the forward")


@pytest.mark.parametrize("fmt", ["arf", "xarf"])
def test_personalised_spam_is_forwarded_without_the_recipients_address(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks, fmt
):
    case = _case(complaint(reporter=VICTIM, attached=personalised_spam()))
    wire = _forward(case, fmt, staff_token, mailoutbox, django_capture_on_commit_callbacks)
    leaks = [chunk for chunk in _everything(wire) if VARIANTS.search(chunk)]
    assert not leaks, leaks[0][:400]
    spam = _spam_of(wire)
    assert "Cheap pills" in spam["Subject"]
    text = spam.get_body(("plain",)).get_content()
    assert "http://pills.example.net/u?e=" in text and "Cheap pills" in text
    assert spam["From"] == "Pharmacy <sale@spammer.example>"  # the spammer stays named


@pytest.mark.parametrize("fmt", ["arf", "xarf"])
def test_redirected_spam_loses_the_complainants_own_headers(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks, fmt
):
    case = _case(redirected_spam())
    wire = _forward(case, fmt, staff_token, mailoutbox, django_capture_on_commit_callbacks)
    leaks = [chunk for chunk in _everything(wire) if VARIANTS.search(chunk)]
    assert not leaks, leaks[0][:400]
    spam = _spam_of(wire)
    for name in (
        "Resent-From",
        "Resent-To",
        "Resent-Date",
        "Resent-Message-ID",
        "X-Forwarded-For",
        "Return-Path",
    ):
        assert name not in spam, name
    assert not any("203.0.113.9" in r for r in spam.get_all("Received")), "the complainant's own hop"
    assert any("192.0.2.177" in r for r in spam.get_all("Received")), "the spam's origin hop stays"
    assert spam["From"] == "Pharmacy <sale@spammer.example>"


@pytest.mark.parametrize("fmt", ["arf", "xarf"])
def test_an_inline_forward_never_sends_the_complainants_from(
    isp, staff_token, mailoutbox, django_capture_on_commit_callbacks, fmt
):
    case = _case(inline_forward())
    wire = _forward(case, fmt, staff_token, mailoutbox, django_capture_on_commit_callbacks)
    leaks = [chunk for chunk in _everything(wire) if VARIANTS.search(chunk)]
    assert not leaks, leaks[0][:400]
    assert b"Buy now" in b"".join(_everything(wire))
