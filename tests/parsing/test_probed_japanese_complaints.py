"""Japanese complaints as a probe wrote them (session probe_ja): the half of the day and
the zone written in words after a Japanese date, Japanese words for the kind of abuse,
times written relative to the complaint's own date, addresses after a label's colon or
typed with an input method's full stop, and a form with kanji labels only."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText

import pytest

from complaints.models import Report
from complaints.parsing import parse_report
from complaints.parsing.complaint import named_addresses
from complaints.parsing.dates import declared_offset, parse_date
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import attributed

# HANDOVER (tests/attribution/conftest.py): 198.51.100.23 is C-1's until 05:30Z on
# 2026-11-20 (14:30 JST), then C-2's.


def complaint(
    body: str,
    *,
    subject: str = "迷惑メールの苦情",
    date: str = "Sat, 21 Nov 2026 09:00:00 +0900",
    to: str = "abuse@isp.example.jp",
    sender: str = "taro@example.ne.jp",
) -> bytes:
    message = MIMEText(body, "plain", "utf-8")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = sender
    message["To"] = to
    message["Date"] = date
    message["Message-ID"] = "<probe-ja@example.ne.jp>"
    return message.as_bytes()


def named_at(body: str, **kw) -> datetime | None:
    parsed = parse_report(complaint(body, **kw))
    assert parsed.source_ip == "198.51.100.23", parsed.problems
    return parsed.occurred_at if parsed.occurred_at_basis == "named" else None


# ---- 1. AM/PM after a Japanese date -------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026年11月20日 PM11:05", datetime(2026, 11, 20, 14, 5, tzinfo=UTC)),
        ("2026年11月20日 ＰＭ１１：０５", datetime(2026, 11, 20, 14, 5, tzinfo=UTC)),  # full-width
        ("2026年11月20日 p.m. 3:05", datetime(2026, 11, 20, 6, 5, tzinfo=UTC)),
        ("2026年11月20日(金) PM3時05分", datetime(2026, 11, 20, 6, 5, tzinfo=UTC)),
        ("2026年11月20日 AM12:30", datetime(2026, 11, 19, 15, 30, tzinfo=UTC)),  # half past midnight
        ("2026年11月20日 11:05 PM", datetime(2026, 11, 20, 14, 5, tzinfo=UTC)),  # after the clock
        ("2026年11月20日 午後11時05分", datetime(2026, 11, 20, 14, 5, tzinfo=UTC)),
    ],
)
def test_the_half_of_the_day_after_a_japanese_date_applies(written, utc):
    assert named_at(f"送信元IP: 198.51.100.23\n受信日時: {written}\n迷惑メールです。\n") == utc


def test_pm_after_a_japanese_date_names_the_holder_in_the_evening(isp):  # noqa: F811
    """PM11:05 read as 11:05 JST (02:05Z) named C-1; 23:05 JST is C-2's."""
    result = attributed(
        complaint("送信元IP: 198.51.100.23\n受信日時: 2026年11月20日 PM11:05\n迷惑メールです。\n")
    )
    assert result["accounts"] == ["C-2"]


# ---- 2. Zones in words ------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    [
        "（グリニッジ標準時）",
        "（世界標準時）",
        "（世界協定時）",
        "（協定世界時）",
        " UTC",
        " GMT",
        " グリニッジ標準時",
    ],
)
def test_a_japanese_date_in_universal_time_in_words_is_utc(zone):
    body = f"送信元IP: 198.51.100.23\n受信日時: 2026年11月20日 10時00分{zone}\n迷惑メールです。\n"
    parsed = parse_report(complaint(body))
    assert parsed.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert not any("JST assumed" in p for p in parsed.problems)


@pytest.mark.parametrize(
    "written",
    [
        "2026年11月20日 13時12分（日本標準時）",
        "2026-11-20 04:12:00 (世界標準時)",
        "2026-11-20 13:12:00 (日本標準時)",
        "2026/11/20 04:12 (協定世界時)",
        "November 20, 2026 at 4:12 AM Coordinated Universal Time",
        "November 20, 2026 at 4:12 AM Greenwich Mean Time",
    ],
)
def test_zones_in_words_after_other_date_forms(written):
    parsed = parse_report(complaint(f"送信元IP: 198.51.100.23\n受信日時: {written}\n迷惑メールです。\n"))
    assert parsed.occurred_at == datetime(2026, 11, 20, 4, 12, tzinfo=UTC)
    assert not parsed.occurred_at_no_zone


def test_a_greenwich_time_names_the_holder_then(isp):  # noqa: F811
    """10:00 GMT read as 10:00 JST (01:00Z) named C-1; 10:00Z is C-2's."""
    body = (
        "送信元IP: 198.51.100.23\n受信日時: 2026年11月20日 10時00分（グリニッジ標準時）\n迷惑メールです。\n"
    )
    assert attributed(complaint(body))["accounts"] == ["C-2"]


def test_dates_reads_zones_in_words():
    assert parse_date("2026年11月20日 10時00分 グリニッジ標準時") == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert parse_date("2026年11月20日 10時00分 (世界標準時)") == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert parse_date("2026年11月20日 10時00分 (日本標準時)") == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert declared_offset("（時刻は協定世界時）\n2026-11-20 10:00") == 0
    assert declared_offset("All times are Greenwich Mean Time.\n") == 0
    assert declared_offset("（時刻は日本標準時）\n") == 540


# ---- 3. Japanese words for the kind of abuse --------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "category"),
    [
        ("[JPCERT#1] 貴組織ネットワークからのスキャン行為について", "IP アドレス : 198.51.100.23\n", "other"),
        ("ご連絡", "198.51.100.23 からポートスキャンを受けています。\n", "other"),
        ("ご連絡", "198.51.100.23 からSSHへの総当たり攻撃を確認しました。\n", "login-attack"),
        ("ご連絡", "198.51.100.23 から弊社サーバへのSSH総当たり攻撃を確認しました。\n", "login-attack"),
        ("ご連絡", "198.51.100.23 からブルートフォース攻撃を受けています。\n", "login-attack"),
        ("ご連絡", "198.51.100.23 からの不正ログイン試行が続いています。\n", "login-attack"),
        ("DDoS攻撃のご連絡", "198.51.100.23 より攻撃を受けています。\n", "other"),
        ("ご連絡", "198.51.100.23 より弊社WebサーバへのDDoS攻撃を受けています。\n", "other"),
        ("ご連絡", "198.51.100.23 がRDPへの攻撃を繰り返しています。\n", "login-attack"),
    ],
)
def test_japanese_words_for_the_kind_of_abuse_give_its_category(subject, body, category):
    parsed = parse_report(complaint(body, subject=subject, sender="abuse@other-isp.example.ne.jp"))
    assert parsed.category == category


@pytest.mark.parametrize(
    "body",
    [
        # The boundary still holds between Latin letters: "grasshopper" is no SSH.
        "198.51.100.23 から迷惑メール（件名: grasshopper sale）が届きました。\n",
        # A spam's own words pasted: a QR code to scan is no port scan.
        "198.51.100.23 から迷惑メールが届きました。本文:「QRコードをスキャンして受け取ってください」\n",
    ],
)
def test_words_that_only_look_like_a_kind_of_abuse_leave_it_spam(body):
    assert parse_report(complaint(body)).category == "spam"


# ---- 4. Times in other Japanese forms ---------------------------------------------------


@pytest.mark.parametrize(
    ("written", "date", "utc"),
    [
        ("11/20 13時12分ごろ", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("2026/11/20 (金) 午後 1:12", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("2026/11/20 午後1時12分", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("2026/11/20 PM 1:12", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("2026/11/20 1:12 PM", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("本日15時05分", "Fri, 20 Nov 2026 18:00:00 +0900", datetime(2026, 11, 20, 6, 5, tzinfo=UTC)),
        ("今日の午後3時5分", "Fri, 20 Nov 2026 18:00:00 +0900", datetime(2026, 11, 20, 6, 5, tzinfo=UTC)),
        ("昨日の午後1時12分ごろ", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("一昨日 13:12", "Sun, 22 Nov 2026 09:00:00 +0900", datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("20日13時12分", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        ("20日（金）13:12", None, datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        # The complaint's Date in UTC is still the 20th; in Japan it is the 21st.
        ("昨日13時12分", "Fri, 20 Nov 2026 16:00:00 +0000", datetime(2026, 11, 20, 4, 12, tzinfo=UTC)),
        # The 28th of a month not yet reached: last month's.
        ("28日13時12分", "Sat, 21 Nov 2026 09:00:00 +0900", datetime(2026, 10, 28, 4, 12, tzinfo=UTC)),
    ],
)
def test_a_japanese_time_in_another_form_is_read(written, date, utc):
    kw = {"date": date} if date else {}
    assert named_at(f"{written}に 198.51.100.23 から迷惑メールが届きました。\n", **kw) == utc


def test_a_day_relative_time_needs_the_complaints_own_date():
    body = "本日15時05分に 198.51.100.23 から迷惑メールが届きました。\n"
    raw = complaint(body).replace(b"Date: Sat, 21 Nov 2026 09:00:00 +0900\n", b"")
    parsed = parse_report(raw)
    assert parsed.source_ip == "198.51.100.23" and parsed.occurred_at is None


def test_a_day_relative_time_is_noted():
    parsed = parse_report(complaint("昨日13時12分に 198.51.100.23 から迷惑メールが届きました。\n"))
    assert any("2026-11-20" in p and "relative to its own date" in p for p in parsed.problems)


@pytest.mark.parametrize(
    ("date", "account"),
    [("本日15時05分", "C-2"), ("本日13時12分", "C-1")],
)
def test_today_names_the_holder_then(isp, date, account):  # noqa: F811
    raw = complaint(
        f"{date}に 198.51.100.23 から迷惑メールが届きました。\n", date="Fri, 20 Nov 2026 18:00:00 +0900"
    )
    assert attributed(raw)["accounts"] == [account]
    assert Report.objects.get().facts["occurred_at_basis"] == "named"


# ---- 5. Addresses after a label's colon, and with an input method's full stop ------------


@pytest.mark.parametrize(
    ("text", "ip"),
    [
        ("送信元：２００１：ｄｂ８：１０００：１００：：２５\n迷惑メールです。", "2001:db8:1000:100::25"),
        ("Source IP:2001:db8::1 sent spam", "2001:db8::1"),
        ("Source:2001:db8::1 sent spam", "2001:db8::1"),
        ("IPv6:2001:db8::1 から迷惑メール", "2001:db8::1"),
        ("送信元IPアドレス：１９８。５１。１００。２３\n", "198.51.100.23"),
        ("送信元IPアドレス：198｡51｡100｡23\n", "198.51.100.23"),  # the half-width one
        ("Source IP:198.51.100.23 sent spam", "198.51.100.23"),
    ],
)
def test_an_address_after_a_label_or_typed_by_an_input_method_is_read(text, ip):
    assert named_addresses(text)[0] == ip


@pytest.mark.parametrize(
    "text",
    [
        "受信日時:13:12:05 に届きました",  # a time after a label is no address
        "MAC:00:1a:2b:3c:4d:5e",
        "deadbeef:1234:5678::1",  # no label: the middle of something longer
    ],
)
def test_what_follows_a_label_is_read_only_when_it_is_an_address(text):
    assert named_addresses(text)[0] is None


def test_an_ipv6_address_after_a_colon_label_names_its_holder(isp):  # noqa: F811
    body = "送信元：２００１：ｄｂ８：１０００：１００：：２５\n日時：2026年11月20日 15時05分\n迷惑メールが届いています。\n"
    result = attributed(complaint(body))
    assert str(Report.objects.get().source_ip) == "2001:db8:1000:100::25"
    assert result["accounts"] == ["C-1"]


def test_an_address_with_ideographic_full_stops_names_its_holder(isp):  # noqa: F811
    body = (
        "送信元IPアドレス：１９８。５１。１００。２３\n受信日時：2026年11月20日 13時12分\n迷惑メールです。\n"
    )
    assert attributed(complaint(body))["accounts"] == ["C-1"]


# ---- 6. Kanji labels only ----------------------------------------------------------------


def test_kanji_labels_and_a_japanese_date_are_japanese_enough():
    parsed = parse_report(
        complaint("送信元IP：198.51.100.23\n受信日時：2026年11月20日 15:05:30\n", subject="迷惑メールの申告")
    )
    assert parsed.occurred_at == datetime(2026, 11, 20, 6, 5, 30, tzinfo=UTC)
    assert not parsed.occurred_at_no_zone
    assert any("JST assumed" in p for p in parsed.problems)


def test_kanji_labels_with_a_kana_subject_are_japanese():
    parsed = parse_report(
        complaint("送信元IP：198.51.100.23\n受信日時：2026/11/20 15:05:30\n", subject="迷惑メールの申告")
    )
    assert parsed.occurred_at == datetime(2026, 11, 20, 6, 5, 30, tzinfo=UTC)
    assert not parsed.occurred_at_no_zone


def test_chinese_is_not_read_as_japanese():
    """Chinese writes 年月日 too (Beijing is UTC+8): its wall clock stays zone-less."""
    parsed = parse_report(
        complaint(
            "来源IP：198.51.100.23\n接收时间：2026年11月20日 15:05:30\n垃圾邮件。\n", subject="垃圾邮件投诉"
        )
    )
    assert parsed.occurred_at_no_zone


def test_kanji_only_complaint_names_the_holder(isp):  # noqa: F811
    raw = complaint(
        "送信元IP：198.51.100.23\n受信日時：2026年11月20日 15:05:30\n", subject="迷惑メールの申告"
    )
    assert attributed(raw)["accounts"] == ["C-2"]
