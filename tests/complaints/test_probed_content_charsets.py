"""The content page and the API content action for complaints written in Japanese by the
mailers Japanese complainants use (Outlook and Becky! in ISO-2022-JP or Shift_JIS,
phones without a charset): the complainant's own words are shown decoded, beside the
reported copy's text, and the "as received" view reads the raw bytes by the charset the
message declares (or the parser's guess), without reformatting them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from abusedesk.models import AuditEntry
from complaints.choices import Channel
from complaints.models import Report
from complaints.services import report_ingest
from complaints.services.content import report_content
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db

WORDS = "御社のアドレス 198.51.100.23 から迷惑メールが届きました。"
PROSE = f"お世話になっております。\n{WORDS}\n対応をお願いいたします。\n"
SPAM_WORDS = "至急ご連絡ください"


def _file(raw: bytes) -> Report:
    return report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:yamada@example.ne.jp").report


def _prose(
    charset: str, codec: str, cte: str = "7bit", *, declared: bool = True, subject: bytes = b""
) -> bytes:
    ctype = f'text/plain; charset="{charset}"' if declared else "text/plain"
    head = (
        "From: yamada@example.ne.jp\r\nTo: abuse@isp.example.jp\r\n"
        "Date: Sat, 21 Nov 2026 09:00:00 +0900\r\nMessage-ID: <prose-1@example.ne.jp>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n"
    ).encode()
    subject = subject or b"Subject: =?ISO-2022-JP?B?GyRCTEJXZyVhITwlayRLJEQkJCRGGyhC?=\r\n"
    return head + subject + b"\r\n" + PROSE.replace("\n", "\r\n").encode(codec)


def _attached(subject_sjis: str = "迷惑メールの転送") -> bytes:
    """Becky!-style: the note in 8-bit Shift_JIS, a raw Shift_JIS Subject, the spam attached."""
    copy = spam(at=datetime(2026, 11, 20, 6, 5, tzinfo=UTC), subject="Urgent", url="https://pay.example.net/")
    copy = copy.replace(b"Buy now!", SPAM_WORDS.encode("utf-8"))
    copy = copy.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")
    return (
        b"From: yamada@example.ne.jp\r\nTo: abuse@isp.example.jp\r\n"
        b"Subject: " + subject_sjis.encode("cp932") + b"\r\n"
        b"Date: Sat, 21 Nov 2026 09:00:00 +0900\r\nMessage-ID: <fwd-1@example.ne.jp>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="==b1=="\r\n\r\n'
        b"--==b1==\r\nContent-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + PROSE.replace("\n", "\r\n").encode("cp932")
        + b"\r\n--==b1==\r\nContent-Type: message/rfc822\r\n\r\n"
        + copy
        + b"\r\n--==b1==--\r\n"
    )


def _page(client, report) -> tuple[str, str]:
    """(what comes before the "As received" heading, what comes after it)."""
    response = client.post(f"/reports/{report.pk}/content/", {"purpose": "read the complaint"})
    assert response.status_code == 200
    before, _, after = response.content.decode().partition("<h2>As received</h2>")
    assert after, "the page has its As received section"
    return before, after


def _api(staff_token, report) -> dict:
    response = token_client(staff_token).post(
        f"/api/v1/reports/{report.pk}/content/",
        {"purpose": "read the complaint"},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    ("charset", "codec", "cte"),
    [("iso-2022-jp", "iso-2022-jp", "7bit"), ("Shift_JIS", "cp932", "8bit"), ("EUC-JP", "euc_jp", "8bit")],
)
def test_a_complaint_in_prose_shows_the_complainants_own_words(
    staff_client, staff_token, charset, codec, cte
):
    report = _file(_prose(charset, codec, cte))
    before, _raw = _page(staff_client, report)
    assert "Text written by the complainant" in before
    assert WORDS in before and "対応をお願いいたします。" in before
    content = _api(staff_token, report)
    assert WORDS in content["complaint_text"]
    assert "\ufffd" not in content["complaint_text"] and "\x1b" not in content["complaint_text"]


def test_a_complaint_with_the_spam_attached_shows_both_texts_each_labelled(staff_client, staff_token):
    report = _file(_attached())
    before, _raw = _page(staff_client, report)
    ours = before.index("Text written by the complainant")
    theirs = before.index("Text of the reported message")
    assert WORDS in before[ours:theirs]  # the person's words under the complainant's heading
    assert SPAM_WORDS in before[theirs:] and SPAM_WORDS not in before[ours:theirs]
    content = _api(staff_token, report)
    assert WORDS in content["complaint_text"] and SPAM_WORDS not in content["complaint_text"]
    assert SPAM_WORDS in content["body_text"] and WORDS not in content["body_text"]


def test_the_spam_itself_is_not_shown_twice(staff_client, staff_token):
    report = _file(spam(at=datetime(2026, 11, 20, tzinfo=UTC)))
    before, _raw = _page(staff_client, report)
    assert "Text written by the complainant" not in before
    assert before.count("Buy now!") == 1
    assert _api(staff_token, report)["complaint_text"] == ""


@pytest.mark.parametrize(
    ("charset", "codec", "cte", "shown_as"),
    [
        ("iso-2022-jp", "iso-2022-jp", "7bit", "ISO-2022-JP"),
        ("Shift_JIS", "cp932", "8bit", "Shift_JIS"),
        ("EUC-JP", "euc_jp", "8bit", "EUC-JP"),
    ],
)
def test_the_as_received_view_reads_the_body_by_its_declared_charset(
    staff_client, staff_token, charset, codec, cte, shown_as
):
    raw = _prose(charset, codec, cte)
    report = _file(raw)
    _before, after = _page(staff_client, report)
    assert WORDS in after
    assert "\ufffd" not in after and "\x1b" not in after and "$B" not in after
    assert f'Shown decoded as: <span class="mono">{shown_as}</span>' in after
    content = _api(staff_token, report)
    assert content["raw_charsets"] == [{"charset": shown_as, "guessed": False}]
    shown = content["raw"]
    # Faithful: the headers as they came (an encoded word stays encoded), the same lines.
    assert "Subject: =?ISO-2022-JP?B?GyRCTEJXZyVhITwlayRLJEQkJCRGGyhC?=\r\n" in shown
    assert f"Content-Transfer-Encoding: {cte}\r\n" in shown
    assert shown.count("\n") == raw.count(b"\n")
    assert shown.endswith(PROSE.replace("\n", "\r\n"))


def test_undeclared_8bit_bytes_and_a_raw_shift_jis_subject_are_guessed_as_the_parser_does(
    staff_client, staff_token
):
    subject = b"Subject: " + "迷惑メールについて".encode("cp932") + b"\r\n"
    report = _file(_prose("", "cp932", "8bit", declared=False, subject=subject))
    _before, after = _page(staff_client, report)
    assert "Subject: 迷惑メールについて" in after and WORDS in after
    assert "\ufffd" not in after
    assert 'Shown decoded as: <span class="mono">Shift_JIS (guessed)</span>' in after

    attached = _file(_attached())
    content = _api(staff_token, attached)
    assert "Subject: 迷惑メールの転送\r\n" in content["raw"]  # raw 8-bit header: the message's charset
    assert WORDS in content["raw"] and SPAM_WORDS in content["raw"]  # each part by its own charset
    assert "\ufffd" not in content["raw"]
    assert {(c["charset"], c["guessed"]) for c in content["raw_charsets"]} == {
        ("Shift_JIS", False),
        ("UTF-8", False),
    }


@pytest.mark.parametrize(
    "junk",
    [
        b"\x1b$B\xff\xfe\x1b(B\r\n\x00\x01\x80\x81\x9f\xa0\xfd\xfe\xff\r\n",
        bytes(range(256)) * 3,
        b"\x1b$B%!%i%\x1b(J\xe3\x81\r\n\x8e\r\n",
    ],
)
def test_any_bytes_render(staff_client, staff_token, junk):
    for charset in ("iso-2022-jp", "Shift_JIS", "utf-8", "x-no-such-charset", ""):
        raw = _prose("iso-2022-jp", "iso-2022-jp").replace(
            b'charset="iso-2022-jp"', f'charset="{charset}"'.encode()
        )
        report = _file(raw + junk + b"\r\n\r\n" + junk)
        _before, after = _page(staff_client, report)
        assert "Content-Transfer-Encoding: 7bit" in after
        content = _api(staff_token, report)
        assert isinstance(content["raw"], str) and isinstance(content["complaint_text"], str)
        assert content["raw"].count("\n") >= raw.count(b"\n")


def test_the_purpose_guard_and_the_audit_entry_are_unchanged(staff_client, staff, staff_token):
    report = _file(_prose("iso-2022-jp", "iso-2022-jp"))
    refused = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": ""}, follow=True)
    assert WORDS not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="content.viewed").exists()
    _page(staff_client, report)
    _api(staff_token, report)
    entries = AuditEntry.objects.filter(action="content.viewed")
    assert entries.count() == 2 and {e.reason for e in entries} == {"read the complaint"}


def test_a_purged_report_has_no_text_of_either_kind(staff):
    report = _file(_attached())
    Report.objects.filter(pk=report.pk).update(raw=b"", raw_purged_at=datetime(2027, 1, 1, tzinfo=UTC))
    content = report_content(report=Report.objects.get(pk=report.pk), user=staff, purpose="audit check")
    assert (content["raw"], content["complaint_text"], content["body_text"], content["raw_charsets"]) == (
        "",
        "",
        "",
        [],
    )


def test_a_machine_reports_own_words_are_shown_beside_the_message_it_reports(staff_client):
    copy = spam(at=datetime(2026, 11, 20, 6, 5, tzinfo=UTC))
    note = "Ceci est un rapport d’abus pour un message reçu de 198.51.100.23."
    raw = (
        b"From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: FW: abuse report\r\n"
        b"Date: Sat, 21 Nov 2026 09:00:00 +0900\r\nMessage-ID: <arf-1@receiver.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"\r\n\r\n'
        b"--arf\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + note.replace("’", "'").encode("iso-8859-1")
        + b"\r\n--arf\r\nContent-Type: message/feedback-report\r\n\r\n"
        b"Feedback-Type: abuse\r\nUser-Agent: fbl/1.0\r\nVersion: 1\r\nSource-IP: 198.51.100.23\r\n"
        b"Arrival-Date: Fri, 20 Nov 2026 06:05:00 +0000\r\n"
        b"\r\n--arf\r\nContent-Type: message/rfc822\r\n\r\n" + copy + b"\r\n--arf--\r\n"
    )
    report = _file(raw)
    before, after = _page(staff_client, report)
    ours, theirs = (
        before.index("Text written by the complainant"),
        before.index("Text of the reported message"),
    )
    assert "message reçu de 198.51.100.23" in before[ours:theirs]
    assert "Buy now!" in before[theirs:] and "Buy now!" not in before[ours:theirs]
    assert "message reçu de" in after and "Windows-1252" in after
