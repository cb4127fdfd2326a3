"""Dates and times written in kanji numerals (二〇二六年十一月二十日午後一時十二分), as some
complainants write them by hand: read as the same instant as in Arabic numerals; 一時
("for a while") and a lone 二十日 are left as words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsing.complaint import _kanji_dates
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import attributed
from tests.parsing.test_probed_japanese_complaints import complaint, named_at


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("二〇二六年十一月二十日午後一時十二分", datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("二〇二六年十一月二十日 十三時十二分", datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("令和八年十一月二十日（金）午後十一時五分", datetime(2026, 11, 20, 14, 5, tzinfo=UTC)),
        ("2026年11月20日午後一時十二分三十秒", datetime(2026, 11, 20, 4, 12, 30, tzinfo=UTC)),
        ("十一月二十日 午前九時三十分", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),  # year supplied
    ],
)
def test_a_date_in_kanji_numerals_is_read_as_in_arabic_ones(written, utc):
    assert named_at(f"送信元IP: 198.51.100.23\n受信日時: {written}\n迷惑メールです。\n") == utc


def test_the_holder_is_named_from_a_time_in_kanji(isp):  # noqa: F811
    """十一時 JST (02:00Z) is C-1's; read as nothing, nobody would be named."""
    body = "二〇二六年十一月二十日午前十一時ごろ、198.51.100.23 から迷惑メールが届きました。\n"
    result = attributed(complaint(body))
    assert result["accounts"] == ["C-1"], result["steps"]


@pytest.mark.parametrize(
    "words",
    ["一時的に止まっていました", "二十日に届いた", "三十一日", "十時間ほど前", "一月ほど前から"],
)
def test_kanji_numerals_that_are_no_date_are_left_as_words(words):
    assert _kanji_dates(words) == words


def test_a_time_after_today_or_yesterday_is_read(isp):  # noqa: F811
    assert _kanji_dates("本日十三時十二分") == "本日13時12分"
    assert _kanji_dates("昨日の午後一時") == "昨日の午後1時"
