"""A complaint written in Japanese names the address and the time the way Japanese text
writes them: full-width digits and dots, 年月日 dates, JST."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText

import pytest

from complaints.parsing import parse_report
from complaints.parsing.complaint import named_addresses


def complaint(body: str, *, charset: str = "iso-2022-jp") -> bytes:
    message = MIMEText(body, "plain", charset)
    message["Subject"] = Header("迷惑メールの苦情", charset)
    message["From"] = "taro@example.ne.jp"
    message["To"] = "abuse@isp.example.jp"
    message["Date"] = "Fri, 20 Nov 2026 15:00:00 +0900"
    return message.as_bytes()


@pytest.mark.parametrize("charset", ["iso-2022-jp", "utf-8", "shift_jis"])
def test_full_width_address_and_a_japanese_date_in_jst(charset):
    body = (
        "お世話になっております。\n貴社のネットワークから迷惑メールが届いています。\n"
        "送信元IPアドレス：１９８．５１．１００．２３\n受信日時：2026年11月20日（金）14時29分05秒\n"
    )
    parsed = parse_report(complaint(body, charset=charset))
    assert parsed.message_kind == "complaint"
    assert parsed.source_ip == "198.51.100.23" and parsed.source_basis == "stated"
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 29, 5, tzinfo=UTC)
    assert parsed.occurred_at_basis == "named"
    assert any("JST assumed" in p for p in parsed.problems)


def test_a_japanese_date_with_its_zone_named():
    parsed = parse_report(complaint("送信元: 198.51.100.23\n日時: 2026年11月20日 05:29 UTC\n迷惑メールです。"))
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 29, tzinfo=UTC)
    assert not any("JST assumed" in p for p in parsed.problems)


@pytest.mark.parametrize(
    "text",
    [
        "Our server 192.0.2.10 received spam. Source IP address: 198.51.100.23",
        "受信サーバ 192.0.2.10 に届いた迷惑メールの送信元IPアドレスは 198.51.100.23 です",
        "relay 192.0.2.10, sent from IP 198.51.100.23",
    ],
)
def test_the_address_after_source_ip_words_is_the_named_one(text):
    named, others = named_addresses(text)
    assert named == "198.51.100.23" and others == ["192.0.2.10"]


def test_a_slash_date_in_a_japanese_complaint_is_jst():
    parsed = parse_report(complaint("送信元IPアドレス: 198.51.100.23\n受信日時: 2026/11/20(金) 14:29\n迷惑メールです。"))
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 29, tzinfo=UTC)
    assert any("JST assumed" in p for p in parsed.problems)


@pytest.mark.parametrize(
    "body",
    [
        # The notice's own receipt comes first; the event is what the address did.
        "At 2026-11-21 16:56:01 +01:00 we received a report about abuse from 198.51.100.23 "
        "(event time 2026-11-20 06:29:00 +01:00).",
        "Report generated November 21, 2026 at 10:00 AM UTC.\nSource: 198.51.100.23\n"
        "Attack detected: November 20, 2026 at 5:29 AM UTC",
    ],
)
def test_the_time_tied_to_the_abuse_wins_over_when_the_notice_was_written(body):
    parsed = parse_report(complaint(body, charset="utf-8"))
    assert parsed.source_ip == "198.51.100.23"
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 29, tzinfo=UTC)
