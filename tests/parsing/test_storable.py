"""What the parser returns can be stored (PostgreSQL text and jsonb) and put in a mail header."""

from __future__ import annotations

import json

import pytest

from complaints.parsing import parse_report

from .shapes import SPAM, SPAM_IP


def _strict_json(report) -> str:
    text = json.dumps(report.to_dict())
    text.encode("utf-8")  # lone surrogates would raise here, as psycopg does
    return text


def test_nul_bytes_never_reach_the_output():
    raw = SPAM.replace(b"Subject: Cheap watches", b"Subject: Cheap\x00watches").replace(
        b"Order now", b"Order\x00now"
    )

    report = parse_report(raw)

    assert "\x00" not in _strict_json(report)
    assert "\\u0000" not in _strict_json(report)
    assert report.subject == "Cheap\ufffdwatches, today only"
    assert "\x00" not in report.body_text
    assert report.source_ip == SPAM_IP


@pytest.mark.parametrize(
    "subject",
    [
        b"=?utf-8?q?Hello=0D=0ABcc:_victim@example.org?=",
        b"=?utf-8?b?SGVsbG8NCkJjYzogdmljdGltQGV4YW1wbGUub3Jn?=",
        b"=?utf-8?q?line=E2=80=A8separator?=",
    ],
)
def test_an_encoded_line_break_in_a_subject_becomes_a_space(subject):
    raw = SPAM.replace(b"Subject: Cheap watches, today only", b"Subject: " + subject)

    report = parse_report(raw)

    assert report.subject and report.subject == " ".join(report.subject.split())
    assert not any(c in report.subject for c in "\r\n\u2028\u2029")


@pytest.mark.parametrize(
    "encoding,charset",
    [("cp932", "shift_jis"), ("cp932", "us-ascii"), ("euc-jp", "euc-jp"), ("utf-8", "utf-8")],
)
def test_raw_8bit_japanese_in_headers_decodes_sensibly(encoding, charset):
    text = "【重要】迷惑メール対策のお知らせ ｾｰﾙ"
    raw = SPAM.replace(b"Subject: Cheap watches, today only", b"Subject: " + text.encode(encoding)).replace(
        b"charset=us-ascii", f"charset={charset}".encode()
    )

    report = parse_report(raw)

    assert report.parse_error is None
    assert report.subject == text
    _strict_json(report)


def test_raw_latin1_in_a_header_decodes_without_replacement_characters():
    raw = SPAM.replace(b"Subject: Cheap watches, today only", "Subject: Caf\xe9 cr\xe8me".encode("latin-1"))

    assert parse_report(raw).subject == "Café crème"


def test_raw_8bit_bytes_in_a_received_header_never_break_the_walk():
    raw = SPAM.replace(b"by mx1.victim.example (Postfix)", "by mx1.victim.example (ポストフィックス)".encode("cp932"))

    report = parse_report(raw)

    assert report.source_ip == SPAM_IP
    _strict_json(report)
