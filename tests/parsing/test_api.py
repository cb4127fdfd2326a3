"""The public contract: never raise, normalise input without touching it, stay fast."""

from __future__ import annotations

import json
import time

import pytest

from complaints.parsing import Hop, ParsedReport, parse_report

from . import samples
from .manifest import LOCAL_FIXTURES

ARF_01 = (LOCAL_FIXTURES / "sisimai" / "arf-01.eml").read_bytes()


@pytest.mark.parametrize(
    "raw", [b"", b"   \n", b"\x00\xff" * 50, b"{", b"[1, 2]", b"null", b"From nobody\n", b"Subject\n\n"]
)
def test_odd_input_gives_a_report_with_a_reason(raw):
    report = parse_report(raw)

    assert isinstance(report, ParsedReport)
    assert report.parse_error


def test_unknown_json_is_a_parse_error():
    assert "not an XARF report" in parse_report(b'{"hello": 1}').parse_error


@pytest.mark.parametrize(
    "variant",
    [
        lambda raw: raw.replace(b"\n", b"\r\n"),
        lambda raw: raw.replace(b"\n", b"\r"),
        lambda raw: b"From MAILER-DAEMON Thu Nov 20 10:00:00 2026\n" + raw,
    ],
    ids=["crlf", "classic-mac-cr", "mbox-from-line"],
)
def test_line_endings_and_mbox_lines_are_normalised(variant):
    report = parse_report(variant(ARF_01))

    assert report.format == "arf"
    assert report.source_ip == "192.0.2.89" and report.header_source_ip == "192.0.2.45"


def test_the_callers_bytes_are_not_modified():
    raw = bytearray(ARF_01.replace(b"\n", b"\r\n"))
    before = bytes(raw)

    parse_report(raw)

    assert bytes(raw) == before


def test_to_dict_is_json_serialisable_with_utc_times():
    report = parse_report(samples.arf(feedback_fields=samples.FULL_FEEDBACK))

    data = json.loads(json.dumps(report.to_dict()))

    assert data["occurred_at"] == "2026-11-20T10:00:00Z"
    assert data["hops"][0]["from_address"] == "203.0.113.9"
    assert data["hops"][0]["time"] == "2026-11-20T10:00:00Z"
    assert "body_text" not in report.to_dict(include_content=False)


def test_hop_is_frozen():
    with pytest.raises(AttributeError):
        Hop().trusted = True


def test_a_ten_megabyte_message_is_fast():
    links = b"".join(b'<a href="http://h%d.bad.example/">x</a> ((((( ' % i for i in range(2000))
    received = b"".join(
        b"Received: from h%d.example (h%d.example [192.0.2.%d]) by h%d.example with SMTP; "
        b"Fri, 20 Nov 2026 10:00:00 +0000\n" % (i, i, i % 250, i + 1)
        for i in range(300)
    )
    filler = (b"<script>" + b"x" * 100 + b"(" * 50 + b"\n") * 63_000
    raw = received + b"From: a@bad.example\nContent-Type: text/html\n\n" + links + filler
    assert len(raw) > 10_000_000

    start = time.monotonic()
    report = parse_report(raw)
    elapsed = time.monotonic() - start

    assert elapsed < 5, elapsed
    assert len(report.hops) == 100 and len(report.urls) == 500
