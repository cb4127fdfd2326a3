"""Complaint formats found mishandled by probing with crafted reports (session 28): each
test is one class of real message a Japanese ISP's abuse desk receives."""

import base64
import json

import pytest

from complaints.models import Report
from complaints.parsing import parse_report
from tests.attribution.test_rules import attributed

pytestmark = pytest.mark.django_db

# HANDOVER (tests/attribution/conftest.py): 198.51.100.23 passed from C-1 to C-2 at
# 05:30Z, 14:30 JST. 203.0.113.5 is C-3's static line; H-1 hosts shop.example.jp.


def japanese(body: str, *, to: str = "abuse@isp.example.jp", mid: str = "<jp@example.ne.jp>") -> bytes:
    subject = base64.b64encode("迷惑メールについて".encode()).decode()
    return (
        f"From: yamada@example.ne.jp\nTo: {to}\nSubject: =?UTF-8?B?{subject}?=\n"
        f"Date: Sat, 21 Nov 2026 09:00:00 +0900\nMessage-ID: {mid}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    ).encode() + body.encode()


@pytest.mark.parametrize("to", ["undisclosed-recipients:;", "soudan@isp.example.jp", "yamada@example.ne.jp"])
def test_a_complaint_not_sent_to_an_abuse_mailbox_names_the_address_it_names(isp, to):
    """Blind-copied to the desk, or sent to a desk address no list foresaw, from our own
    static customer's mail server: the complaint names 198.51.100.23 (C-2's then). It was
    read as the spam itself, its own route walked, and C-3, the complainant, accused."""
    raw = (
        b"Received: from mail.c3-company.example (mail.c3-company.example [203.0.113.5])\n"
        b"\tby mx.isp.example.jp (Postfix) with ESMTP id 7Q;\n\tSat, 21 Nov 2026 09:00:00 +0900\n"
    ) + japanese(
        "お世話になります。\n貴社のIPアドレス 198.51.100.23 から 2026年11月20日 14時35分 に"
        "迷惑メールが届いています。停止してください。\n",
        to=to,
    )
    result = attributed(raw, reporter="email:yamada@c3-company.example")
    assert result["accounts"] == ["C-2"]
    report = Report.objects.get()
    assert str(report.source_ip) == "198.51.100.23"
    assert any("names one of our addresses" in n for n in report.facts["problems"])


def test_spam_not_sent_to_an_abuse_mailbox_is_still_the_spam(isp):
    """The rule needs an address of ours named in words about abuse: a spam that names
    none, to an ordinary mailbox, is walked as before."""
    raw = (
        b"Received: from mail.bulk-sender.example (unknown [198.51.100.23]) by mx.receiver.example "
        b"(Postfix) with ESMTP id 1A; Fri, 20 Nov 2026 05:35:00 +0000\n"
        b"From: sale@spammer.example\nTo: victim@receiver.example\nSubject: Cheap pills, no spam\n"
        b"Message-ID: <s1@pc.invalid>\nDate: Fri, 20 Nov 2026 14:35:00 +0900\n\nBuy at 192.0.2.200 today\n"
    )
    result = attributed(raw)
    assert result["accounts"] == ["C-2"]
    assert Report.objects.get().facts["message_kind"] == "spam"


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026年11月20日 午後2時35分", "2026-11-20T05:35:00+00:00"),
        ("2026年11月20日（金）午前9時05分", "2026-11-20T00:05:00+00:00"),
        ("2026年11月20日 午前12時10分", "2026-11-19T15:10:00+00:00"),  # 午前12時 is midnight
        ("2026-11-20 14:35 (JST)", "2026-11-20T05:35:00+00:00"),
        ("2026-11-20 14:35（日本時間）", "2026-11-20T05:35:00+00:00"),
        ("2026/11/20 14:35 (UTC)", "2026-11-20T14:35:00+00:00"),
    ],
)
def test_a_japanese_complaints_own_time_with_its_am_pm_or_bracketed_zone(written, utc):
    """午後 was swallowed by the gap before the hour (2:35 PM read as 02:35), and a zone
    in brackets was not read: the instant was hours off and named another holder."""
    parsed = parse_report(japanese(f"貴社のIPアドレス 198.51.100.23 から迷惑メールが届きました。\n受信日時: {written}\n"))
    assert parsed.occurred_at.isoformat() == utc


def test_the_afternoon_names_the_afternoons_holder(isp):
    result = attributed(japanese("貴社のIPアドレス 198.51.100.23 から 2026年11月20日 午後2時35分 に迷惑メールが届きました。\n"))
    assert result["accounts"] == ["C-2"]


@pytest.mark.parametrize(
    "signature",
    [
        "\n━━━━━━━━━━━━━━━━\n株式会社ショップ 山田太郎\nURL: https://shop.example.jp/\n━━━━━━━━━━━━━━━━\n",
        "\n==============================\n山田太郎 <yamada@example.ne.jp>\nhttps://www.shop.example.jp/\n",
        "\nよろしくお願いいたします。\n山田太郎\nhttps://shop.example.jp/\n",
        "\nBest regards,\nJohn Smith\nIT Manager, Acme Shop\nhttps://www.shop.example.jp | +81 3 1234 5678\n",
    ],
)
def test_links_in_a_business_signature_are_not_the_advertised_site(isp, signature):
    """Japanese signatures sit between rules, Outlook users' follow a closing line: the
    complainant's own shop (hosted by us) was taken for the spamvertised site."""
    result = attributed(japanese("迷惑メールが届きました。対応をお願いします。\n" + signature))
    assert "hosting" not in result["roles"] and result["accounts"] == []


def test_a_rule_above_a_forwarded_header_table_is_not_a_signature(isp):
    """Outlook's rule line opens a forward: the links below it are the spam's."""
    body = (
        "迷惑メールです。\n\n____________________\n差出人: sale@spammer.example\n送信日時: 2026年11月20日 14:00\n"
        "宛先: victim@receiver.example\n件名: 激安\n\n今すぐ購入 https://shop.example.jp/sale\n"
    )
    result = attributed(japanese(body))
    assert result["roles"] == ["hosting"] and result["accounts"] == ["H-1"]


@pytest.mark.parametrize(
    ("marker", "table"),
    [
        ("転送されたメッセージ:", "差出人: sale@spammer.example\n日付: 2026年11月20日 14:00:00 JST\n宛先: victim@receiver.example\n件名: 激安"),
        ("-------- 転送メッセージ --------", "件名: \t激安\n日付: \tFri, 20 Nov 2026 14:00:00 +0900\n差出人: \tsale@spammer.example"),
        ("-----Original Message-----", "差出人: sale@spammer.example\n送信日時: 2026年11月20日 金曜日 14:00\n宛先: victim@receiver.example\n件名: 激安"),
        ("-----Original Message-----", "差出人：sale@spammer.example\n送信日時：2026年11月20日 14:00\n件名：激安"),
    ],
    ids=["apple-mail-ja", "thunderbird-ja", "outlook-ja-weekday", "full-width-colons"],
)
def test_forwards_from_japanese_mail_programs_are_read(marker, table):
    """iPhone's 転送されたメッセージ:, Thunderbird's 日付, Outlook's date with its weekday
    and full-width colons: the forward was not found, or its date was lost."""
    parsed = parse_report(japanese(f"迷惑メールです。対応お願いします。\n\n{marker}\n{table}\n\n今すぐ購入 http://cheap.example.net/x\n"))
    assert (parsed.reported_via, parsed.subject, parsed.header_from) == ("inline_forward", "激安", "sale@spammer.example")
    assert parsed.date.isoformat() == "2026-11-20T05:00:00+00:00"


def test_a_report_without_an_address_is_grouped_on_the_site_we_host(isp):
    """Links sorted by name put an image host or a shortener first: the case was keyed
    on bit.ly while the attribution named the hosted shop."""
    raw = (
        b"From: user@example.org\nTo: abuse@isp.example.jp\nSubject: spam\nDate: Sat, 21 Nov 2026 09:00:00 +0900\n"
        b"Message-ID: <u7@example.org>\n\n---------- Forwarded message ---------\nFrom: <sale@spammer.example>\n"
        b"Date: Fri, Nov 20, 2026 at 2:00 PM\nSubject: Cheap pills\nTo: <victim@receiver.example>\n\n"
        b"Logo https://i.imgur.com/abc.png\nBuy now https://www.shop.example.jp/pills\nShort link https://bit.ly/3xYz\n"
    )
    result = attributed(raw, reporter="email:user@example.org")
    assert result["accounts"] == ["H-1"]
    assert Report.objects.get().case.key == "host:shop.example.jp"


@pytest.mark.parametrize("kind", ["botnet", "compromised_server"])
def test_an_xarf_bot_report_is_an_infected_machine(kind):
    report = {
        "xarf_version": "4.0.0", "report_id": "d7f4a5a2-7c1b-4a52-9b6c-1f6e0f6d5a11",
        "timestamp": "2026-11-20T05:35:00Z", "category": "infrastructure", "type": kind,
        "reporter": {"org": "Feed", "contact": "feed@feed.example", "domain": "feed.example"},
        "sender": {"org": "Feed", "contact": "feed@feed.example", "domain": "feed.example"},
        "source_identifier": "198.51.100.23", "source_port": 49152, "ecrime_type": "bot",
    }  # fmt: skip
    parsed = parse_report(json.dumps(report).encode(), content_type="application/json")
    assert parsed.category == "malware"
    assert parsed.source_ip == "198.51.100.23"


SPAM_COPY = (
    b"Received: from mail.bulk-sender.example (unknown [198.51.100.23])\n\tby mx.receiver.example (Postfix) "
    b"with ESMTP id 1A;\n\tFri, 20 Nov 2026 14:40:00 +0900\nFrom: sale@spammer.example\nSubject: Cheap pills\n"
    b"Message-ID: <run-7@pc.invalid>\nDate: Fri, 20 Nov 2026 14:40:00 +0900\n\nBuy\n"
)


@pytest.mark.parametrize(
    "above",
    [
        b"Customer called, headers below\n",
        b"Original Message\n\nMessage ID\t<run-7@pc.invalid>\nCreated at:\tFri, Nov 20, 2026 at 2:40 PM\n"
        b"From:\tsale@spammer.example\nSubject:\tCheap pills\n\nDownload Original\tCopy to clipboard\n\n",
    ],
    ids=["a-note-above", "gmail-show-original"],
)
def test_headers_pasted_below_a_line_of_text_are_read(isp, above):
    """Staff paste Gmail's "Show original" page, or type a note above the headers: the
    paste was refused as "not an e-mail message" though the copy was all there."""
    parsed = parse_report(above + SPAM_COPY, content_type="message/rfc822")
    assert parsed.parse_error is None and parsed.source_ip == "198.51.100.23"
    assert parsed.message_id == "run-7@pc.invalid"
    assert attributed(above + SPAM_COPY)["accounts"] == ["C-2"]


def test_text_without_a_copys_received_chain_is_still_refused():
    parsed = parse_report(b"Customer called\nFrom: sale@spammer.example\nSubject: x\n\nBuy\n")
    assert parsed.parse_error and "no message headers" in parsed.parse_error


@pytest.mark.parametrize(
    "body",
    [
        "I keep getting this spam, the text is below:\n==============================\nLuxury watches 90% off\n"
        "https://www.shop.example.jp/watches\n==============================\n",
        "以下の迷惑メールが毎日届きます。\n------------------------------\n激安時計 90%オフ\n"
        "https://www.shop.example.jp/watches\n------------------------------\n",
        "迷惑メールです。よろしくお願いします。\n激安時計 https://www.shop.example.jp/watches\n",
        "Spam again:\n==============================\nLuxury watches 90% off\nhttps://www.shop.example.jp/watches\n",
    ],
    ids=["announced-paste", "announced-paste-ja", "closing-then-spam", "ruled-paste-without-contact"],
)
def test_spam_pasted_between_rules_or_after_a_closing_is_still_read(isp, body):
    """A complainant pastes the spam's text between separators, or right after a closing
    line: its link is the advertised site (the signature rules dropped it)."""
    result = attributed(japanese(body))
    assert result["roles"] == ["hosting"] and result["accounts"] == ["H-1"]


@pytest.mark.parametrize(
    "scam",
    [
        "Your mail server IP 203.0.113.5 has been listed on the SpamBL blacklist. Pay the delisting fee today.",
        "I hacked your router (IP 198.51.100.23) and infected your device with malware. Send 1200 USD in Bitcoin.",
    ],
    ids=["delisting-scam", "sextortion"],
)
def test_spam_that_only_mentions_one_of_our_addresses_is_spam(isp, scam):
    """A scam names one of our addresses in words about abuse, but not as where mail came
    from: it is the spam itself, sent from 192.0.2.177 (not ours), and names nobody of ours."""
    raw = (
        "Received: from bulk.elsewhere.example (bulk.elsewhere.example [192.0.2.177]) by mx.isp.example.jp "
        "(Postfix) with ESMTP id 9Z; Fri, 20 Nov 2026 05:40:00 +0000\n"
        "From: notice@spambl.example\nTo: info@isp.example.jp\nSubject: Urgent notice\n"
        f"Message-ID: <scam@spambl.example>\nDate: Fri, 20 Nov 2026 14:40:00 +0900\n\n{scam}\n"
    ).encode()
    result = attributed(raw)
    assert result["accounts"] == []
    assert Report.objects.get().facts["message_kind"] == "spam"


@pytest.mark.parametrize(
    "written",
    [
        "2026年11月20日 14:35 (UTC+09:00)",  # Windows writes its zone so
        "2026年11月20日 14時35分 GMT+9",
        "2026-11-20 14:35 (UTC+09:00)",
        "2026-11-20 14:35 UTC+9",
        "2026/11/20 14:35 (GMT+09:00)",
    ],
)
def test_a_time_with_a_utc_offset_after_the_zone_word(written):
    """"(UTC+09:00)" was read as UTC: nine hours off, and the other holder named."""
    parsed = parse_report(japanese(f"貴社のIPアドレス 198.51.100.23 から迷惑メールが届きました。\n受信日時: {written}\n"))
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:35:00+00:00"


@pytest.mark.parametrize(
    "words",
    [
        "貴社のIPアドレス198.51.100.23から2026年11月20日 14時35分に迷惑メールが届いています。",  # no spaces
        "送信元は198.51.100.23です。2026年11月20日 14時35分に迷惑メールを受信しました。",
        "We have received spam originating at IP 198.51.100.23 on 2026-11-20 14:35 (JST).",
        "Your customer at 198.51.100.23 has been sending us spam since 2026-11-20 14:35 (JST).",
        "Abusive IP: 198.51.100.23\nReason: spam\nTime: 2026-11-20 05:35 UTC",
    ],
)
@pytest.mark.parametrize("route", ["203.0.113.5", "192.0.2.177"], ids=["from-our-customer", "from-elsewhere"])
def test_a_blind_copied_complaint_names_the_address_as_people_write_it(isp, words, route):
    """The ways complaints name a source (Japanese with no space before から, "originating
    at IP", "your customer at", a table's "Abusive IP:"): read as complaints, never as
    spam from the complainant's own server (C-3's, when it is ours)."""
    raw = (
        f"Received: from mail.complainant.example (mail.complainant.example [{route}]) by mx1.isp.example.jp "
        "(Postfix) with ESMTP id 5A; Sat, 21 Nov 2026 00:00:00 +0000\n"
    ).encode() + japanese(words + "\n", to="undisclosed-recipients:;")
    result = attributed(raw, reporter="email:admin@complainant.example")
    assert result["accounts"] == ["C-2"]


def test_a_customers_own_mail_naming_its_address_is_never_read_as_its_spam(isp):
    """C-3 writes to our help desk from its own server about its own address being
    listed: it names no source, but read as spam it would accuse C-3 (rule 3, L2)."""
    raw = (
        b"Received: from mail.c3.example (static5.isp.example.jp [203.0.113.5]) by mx1.isp.example.jp (Postfix) "
        b"with ESMTP id 5B; Sat, 21 Nov 2026 00:00:00 +0000\n"
    ) + japanese("Our server 203.0.113.5 is on the Spamhaus blocklist, please help.\n", to="support@isp.example.jp")
    attributed(raw, reporter="email:admin@c3.example")
    report = Report.objects.get()
    assert report.facts["message_kind"] == "complaint"
    assert report.case.evidence_level in ("", "E0")


@pytest.mark.parametrize(
    "signature",
    [
        "\n━━━━━━━━━━━━━━━━\nやまだ雑貨店 山田花子\nhttps://www.shop.example.jp/\n━━━━━━━━━━━━━━━━\n",
        "\n==============================\n手作り雑貨 やまだ屋\n店主 山田\nオンラインショップ https://www.shop.example.jp/\n"
        "Instagram @yamadaya\n==============================\n",
        "\nBest,\nJohn Smith\nhttps://www.shop.example.jp\n",
        "\nBest regards,\n\nJohn Smith\nSmith Pottery\nhttps://www.shop.example.jp\n",
    ],
)
def test_a_signature_of_a_name_and_a_link_is_the_complainants(isp, signature):
    """A small shop writing from free mail signs with its name and its site (hosted by us):
    no phone, no address, and the shop was named (rule 10)."""
    result = attributed(japanese("迷惑メールが届きました。対応をお願いします。\n" + signature))
    assert "hosting" not in result["roles"] and result["accounts"] == []


@pytest.mark.parametrize(
    "body",
    [
        "こんな迷惑メールが毎日届きます。\n━━━━━━━━━━━━━━━━\n【高配当】株式会社グローバル投資 セミナーのご案内\n"
        "https://www.shop.example.jp/seminar\nTEL 03-1234-5678\n━━━━━━━━━━━━━━━━\n止めてください。\n",
        "I got this spam again:\n==========\nCheap meds, call us: +1 800 555 0199\nhttps://www.shop.example.jp/meds\n==========\n",
        "迷惑メールが届きました。本文です。\nよろしくお願いします。\n【重要】お客様のアカウントを停止しました\n"
        "https://www.shop.example.jp/login\n",
    ],
)
def test_spam_with_a_company_or_phone_pasted_under_a_line_about_it_is_read(isp, body):
    """Japanese spam carries its seller's company and telephone by law: pasted straight
    under "こんな迷惑メールが…", it is the spam's text, not a signature."""
    result = attributed(japanese(body))
    assert result["roles"] == ["hosting"] and result["accounts"] == ["H-1"]
