"""Japanese and other charsets in bodies and headers decode to the right Unicode."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.policy import compat32, default

import pytest

from complaints.parsing import parse_report

TEXT = "迷惑メールのお知らせ：こちらをクリック http://kaimono.example.jp/"
SUBJECT = "【重要】お客様の口座確認"


def _message(charset: str, *, cte: str | None = None) -> bytes:
    msg = EmailMessage(policy=default)
    msg["From"] = "sender@bad.example"
    msg["Subject"] = Header(SUBJECT, charset).encode()
    msg["Received"] = (
        "from mail.bad.example (mail.bad.example [203.0.113.9]) by mx.reporter.example with ESMTP; "
        "Fri, 20 Nov 2026 19:00:00 +0900"
    )
    msg.set_content(TEXT, charset=charset, cte=cte)
    return msg.as_bytes(policy=compat32)


@pytest.mark.parametrize(
    ("charset", "cte"),
    [("iso-2022-jp", "7bit"), ("shift_jis", "base64"), ("euc-jp", "quoted-printable"), ("utf-8", "8bit")],
)
def test_japanese_bodies_and_encoded_word_subjects_decode(charset, cte):
    report = parse_report(_message(charset, cte=cte))

    assert report.subject == SUBJECT
    assert TEXT in report.body_text
    assert report.url_hosts == ["kaimono.example.jp"]


def test_windows_characters_in_a_shift_jis_label_decode():
    # Senders label cp932 text "Shift_JIS"; circled digits exist only in cp932.
    body = "①本日限り②半額".encode("cp932")
    raw = b"From: a@bad.example\nContent-Type: text/plain; charset=Shift_JIS\n\n" + body

    assert parse_report(raw).body_text == "①本日限り②半額"


def test_undeclared_iso_2022_jp_is_recognised():
    raw = b"From: a@bad.example\nSubject: test\n\n" + "ご案内".encode("iso2022_jp")

    assert parse_report(raw).body_text == "ご案内"


def test_multi_line_encoded_words_join_without_spaces():
    first, second = (
        Header("ピューリタンズ", "iso-2022-jp").encode(),
        Header("プライド", "iso-2022-jp").encode(),
    )
    raw = f"From: =?UTF-8?B?5rWL6Kmm?= <a@bad.example>\nSubject: {first}\n {second}\n\nx\n".encode()

    report = parse_report(raw)

    assert report.subject == "ピューリタンズプライド"
    assert report.header_from == "a@bad.example"


def test_html_part_in_gb2312_gives_links_and_text():
    html = '<html><body><a href="http://go2buy.example.cn/?a=1&amp;b=2">点击这里</a></body></html>'
    raw = b"From: a@bad.example\nContent-Type: text/html; charset=gb2312\n\n" + html.encode("gb2312")

    report = parse_report(raw)

    assert "http://go2buy.example.cn/?a=1&b=2" in report.urls
    assert "点击这里" in report.body_text
    assert report.body_html.startswith("<html>")


def test_idn_hosts_become_punycode_and_mailto_is_no_host():
    raw = (
        "From: a@bad.example\nContent-Type: text/plain; charset=utf-8\n\n"
        "http://bücher.example/ mailto:x@bad.example\n"
    )

    report = parse_report(raw.encode())

    assert report.url_hosts == ["xn--bcher-kva.example"]
    assert "mailto:x@bad.example" in report.urls


def test_windows_iso_2022_jp_with_nec_characters():
    # Outlook writes circled digits (NEC row 13) inside ESC $ B, which strict codecs reject.
    body = b'\x1b$B-!-"\x1b(B SALE \x1b$BF|K\\\x1b(B'
    raw = b"From: a@bad.example\nContent-Type: text/plain; charset=ISO-2022-JP\n\n" + body

    assert parse_report(raw).body_text == "①② SALE 日本"


@pytest.mark.parametrize("label", ["ISO-2022-JP-MS", "CP50220", "x-unknown-jis", "us-ascii", "utf-8"])
def test_jis_text_under_windows_an_unknown_or_a_wrong_label_is_read_as_jis(label):
    """Windows names its ISO-2022-JP "ISO-2022-JP-MS" or "CP5022x"; senders also label
    JIS text us-ascii or utf-8. 7-bit text with ESC $ B in it is JIS whatever the label."""
    body = b'\x1b$B-!\x1b(B \x1b$B%;!<%k\x1b(B'
    raw = f"From: a@bad.example\nContent-Type: text/plain; charset={label}\n\n".encode() + body

    assert parse_report(raw).body_text == "① セール"
