"""Property test over the shapes complaints take: spam wrapped in complaints and reports,
pasted, quoted, attached as anything, with hostile addresses and header bytes.

Whatever the shape: no unhandled error, a message kind, never a non-routable origin,
never the complainant's own path, and output that PostgreSQL and a mail header accept.
"""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.parsing import parse_report
from complaints.parsing.hosts import is_routable_ip

from . import shapes
from .shapes import COMPLAINANT_CLIENT, COMPLAINANT_IP

_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ADDRESSES = st.sampled_from(
    [
        "203.0.113.77",
        "198.51.100.200",
        "2001:db8::25",
        "::ffff:203.0.113.78",
        "IPv6:::ffff:198.51.100.9",
        "10.1.2.3",
        "100.64.7.7",
        "127.0.0.1",
        "169.254.1.1",
        "fe80::1%eth0",
        "fd00::5",
        "224.0.0.1",
        "0.0.0.0",
        "240.1.1.1",
        "::",
    ]
)
HELOS = st.sampled_from(["user-pc", "ubuntu-desktop", "mail.deals.example", "[203.0.113.77]", "xkqzvbn", ""])
SUBJECTS = st.sampled_from(
    [
        b"Cheap watches",
        b"=?utf-8?q?a=0D=0ABcc:_x@example.org?=",
        "激安ｾｰﾙ".encode("cp932"),
        "迷惑".encode("euc-jp"),
        b"nul\x00byte",
        b"=?iso-2022-jp?B?GyRCTCQ9aiVhITwlaxsoQg==?=",
        "caf\xe9".encode("latin-1"),
    ]
)
WRAPPERS = st.sampled_from(
    [
        "raw",
        "attached",
        "octet_stream",
        "headers_only",
        "pasted",
        "pasted_wrapped",
        "quoted",
        "arf",
        "arf_text",
        "complaint_arf",
        "complaint_complaint",
        "redirect",
        "xarf_json",
    ]
)


def _spam(address: str, helo: str, subject: bytes) -> bytes:
    return (
        b"Received: from mx1.victim.example (mx1.victim.example [10.20.0.5])\n"
        b"\tby store.victim.example with LMTP id 1; Fri, 20 Nov 2026 19:00:03 +0900\n"
        + f"Received: from {helo or 'unknown'} (host.customer.example [{address}])\n".encode()
        + b"\tby mx1.victim.example (Postfix) with ESMTP id 2; Fri, 20 Nov 2026 19:00:01 +0900\n"
        b"From: offers@deals.example\nTo: victim@victim.example\nSubject: "
        + subject
        + b"\nDate: Fri, 20 Nov 2026 10:00:00 +0000\nContent-Type: text/plain\n\nhttp://watches.shop.example/\n"
    )


def _wrap(kind: str, spam: bytes, address: str) -> tuple[bytes, str | None]:
    plain = address.removeprefix("IPv6:")
    if kind == "raw":
        return spam, None
    if kind == "attached":
        return shapes.attached(spam), None
    if kind == "octet_stream":
        return shapes.attached(spam, content_type="application/octet-stream", encoding="base64"), None
    if kind == "headers_only":
        return shapes.attached(spam.split(b"\n\n")[0], content_type="text/rfc822-headers"), None
    if kind in ("pasted", "pasted_wrapped", "quoted"):
        headers = spam.split(b"\n\n")[0].decode("utf-8", "surrogateescape")
        wrap = 50 if kind == "pasted_wrapped" else None
        return shapes.pasted(headers, wrap=wrap, quote="> " if kind == "quoted" else ""), None
    if kind == "arf":
        return shapes.feedback_report(spam, source=plain), None
    if kind == "arf_text":
        return shapes.feedback_report(spam, source=plain, part_type="text/plain", top="multipart/mixed"), None
    if kind == "complaint_arf":
        return shapes.attached(shapes.feedback_report(spam, source=plain)), None
    if kind == "complaint_complaint":
        return shapes.attached(shapes.attached(spam), filename="fwd.eml"), None
    if kind == "redirect":
        head = (
            f"Received: from out.freemail.example (out.freemail.example [{COMPLAINANT_IP}])\n"
            "\tby mx.isp.example with ESMTPS id 3; Sat, 21 Nov 2026 08:30:05 +0900\n"
            "Resent-From: taro@freemail.example\nResent-To: abuse@isp.example\n"
        )
        return head.encode() + spam, None
    evidence = base64.b64encode(spam).decode()
    body = {
        "xarf_version": "4.0.0",
        "report_id": "0b4c9a4e-2f3d-4a51-9d7e-6c1e2b3a4f50",
        "timestamp": "2026-11-20T10:00:00Z",
        "reporter": {"org": "Trap", "contact": "t@trap.example", "domain": "trap.example"},
        "source_identifier": plain,
        "category": "messaging",
        "type": "spam",
        "evidence": [{"content_type": "message/rfc822", "payload": evidence}],
    }
    return json.dumps(body).encode(), "application/json"


@_SETTINGS
@given(ADDRESSES, HELOS, SUBJECTS, WRAPPERS, st.sampled_from(["\n", "\r\n"]))
def test_every_shape_gives_a_storable_report_and_never_a_bad_origin(address, helo, subject, wrapper, eol):
    raw, content_type = _wrap(wrapper, _spam(address, helo, subject), address)
    if content_type is None:
        raw = raw.replace(b"\n", eol.encode())

    report = parse_report(raw, content_type=content_type)

    assert report.parse_error is None or "parser failure" not in report.parse_error
    assert report.message_kind in ("spam", "machine_report", "complaint")
    assert report.source_ip is None or is_routable_ip(report.source_ip)
    assert report.source_ip not in (COMPLAINANT_IP, COMPLAINANT_CLIENT)
    assert (report.source_ip is None) == (report.source_basis is None)
    text = json.dumps(report.to_dict())
    text.encode("utf-8")  # no lone surrogates
    assert "\\u0000" not in text
    assert report.subject is None or not any(c in report.subject for c in "\r\n")
    if is_routable_ip(address.removeprefix("IPv6:")) and wrapper not in ("xarf_json",):
        # The spam's own origin is found through every wrapper.
        assert report.source_ip == address.removeprefix("IPv6:").removeprefix("::ffff:")


@_SETTINGS
@given(st.text(max_size=400), st.sampled_from(["abuse@isp.example", "friend@example.org"]))
def test_arbitrary_prose_about_spam_to_an_abuse_desk_never_breaks(prose, to):
    text = "Spam again. " + prose
    raw = (shapes.complainant_envelope(to=to) + "Content-Type: text/plain; charset=utf-8\n\n" + text).encode(
        "utf-8", "surrogateescape"
    )

    report = parse_report(raw)

    assert report.parse_error is None or "parser failure" not in report.parse_error
    assert report.source_ip is None or is_routable_ip(report.source_ip)
    json.dumps(report.to_dict()).encode("utf-8")
    if to.startswith("abuse@"):  # written to us: a complaint, never walked through its own envelope
        assert report.message_kind == "complaint"
        assert report.source_ip not in (COMPLAINANT_IP, COMPLAINANT_CLIENT)
