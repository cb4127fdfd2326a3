"""What a walk of the Japanese pages still found in English or as a stored code: a case's
subject ("(session 12)", "login taro"), the intake's reason for manual triage, a report's
category in a customer's notice ("spam"), a notice's language ("ja"), how a hearing
answer reached us ("phone"), who carried out a measure ("manual") and a reporter's key
("partner:…", "email:…").

Stored values stay as they are (search, forwarding, CSV, audit trail); pages show them
through gettext. Where a msgid has no Japanese yet, `japanese` lends the catalogue a
stand-in for the test, so a test proves the page asks gettext for the words.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from complaints.choices import ReportStatus
from complaints.models import Case, Report
from complaints.reporters import reporter_label
from complaints.subjects import case_subject, status_reason
from sanctions.choices import State
from tests.attribution.conftest import isp  # noqa: F401  (fixture)
from tests.sanctions import factories
from tests.sanctions.conftest import recommended  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

_MISSING = object()


@pytest.fixture
def japanese():
    """`japanese({"msgid": "訳"})`: the Japanese catalogue has these entries in this test."""
    from django.utils.translation import trans_real

    entries = trans_real.translation("ja")._catalog._catalogs[0]
    saved = {}

    def lend(pairs: dict[str, str]) -> None:
        for msgid, text in pairs.items():
            saved.setdefault(msgid, entries.get(msgid, _MISSING))
            entries[msgid] = text

    yield lend
    for msgid, old in saved.items():
        if old is _MISSING:
            entries.pop(msgid, None)
        else:
            entries[msgid] = old


@pytest.fixture
def case(isp, recommended):  # noqa: F811
    return factories.case_from_reports()


def _text(client, path: str, language: str = "ja") -> str:
    client.cookies.load({"django_language": language})
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, path
    return response.content.decode()


def _notified(case, staff, manager, capture):
    sanction = factories.propose(case, staff)
    with capture(execute=True):
        factories.walk(sanction, factories.PATHS[State.NOTIFIED], desk=staff, decider=manager)
    return sanction


# A case's subject -------------------------------------------------------------------

SUBJECT_WORDS = {
    "%(ip)s (session %(session)s)": "%(ip)s（セッション %(session)s）",
    "login %(login)s": "ログイン %(login)s",
    "%(ip)s ports %(start)s-%(end)s (port block %(allocation)s)": "%(ip)s ポート %(start)s-%(end)s（ポートブロック %(allocation)s）",
    "%(ip)s port %(port)s (%(prefix)s, session %(session)s)": "%(ip)s ポート %(port)s（%(prefix)s、セッション %(session)s）",
    "login %(name)s (our own telemetry)": "ログイン %(name)s（当社の観測データ）",
    "report %(number)s": "苦情 %(number)s",
}


@pytest.mark.parametrize(
    ("stored", "english", "japanese_text"),
    [
        ("203.0.113.5 (session 12)", "203.0.113.5 (session 12)", "203.0.113.5（セッション 12）"),
        ("login taro", "login taro", "ログイン taro"),
        (
            "198.18.3.1 ports 1024-2047 (allocation 1)",
            "198.18.3.1 ports 1024-2047 (port block 1)",
            "198.18.3.1 ポート 1024-2047（ポートブロック 1）",
        ),
        (
            "198.18.4.189 port 1025 (3fff:100:bd::/56, session 3)",
            "198.18.4.189 port 1025 (3fff:100:bd::/56, session 3)",
            "198.18.4.189 ポート 1025（3fff:100:bd::/56、セッション 3）",
        ),
        ("login taro (own telemetry)", "login taro (our own telemetry)", "ログイン taro（当社の観測データ）"),
        ("report 7", "report 7", "苦情 7"),
        # Hosts and addresses are data: shown as stored in every language.
        ("shop.example.com", "shop.example.com", "shop.example.com"),
        ("192.0.2.9", "192.0.2.9", "192.0.2.9"),
        ("2001:db8::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_a_case_subject_the_desk_wrote_reads_in_the_readers_language(
    japanese, stored, english, japanese_text
):
    japanese(SUBJECT_WORDS)
    with translation.override("en"):
        assert case_subject(stored) == english
    with translation.override("ja"):
        assert case_subject(stored) == japanese_text


def test_the_pages_staff_use_most_show_the_subject_in_japanese(case, staff, staff_client, japanese):
    japanese(SUBJECT_WORDS)
    # A case keyed by one of our sessions, as `case_key_for` names it.
    stored = f"{case.subject} (session 42)"
    Case.objects.filter(pk=case.pk).update(subject=stored)
    shown = f"{case.subject}（セッション 42）"
    sanction = factories.propose(case, staff)
    report = case.reports.first()
    for path in (
        "/",
        "/cases/",
        f"/cases/{case.pk}/",
        "/reports/",
        f"/reports/{report.pk}/",
        f"/sanctions/cases/{case.pk}/propose/",
        f"/sanctions/{sanction.pk}/",
        f"/sanctions/cases/{case.pk}/dossier/",
    ):
        text = _text(staff_client, path)
        assert shown in text, path
        assert stored not in text, path
    case.refresh_from_db()
    assert case.subject == stored  # what search and forwarding read is unchanged


def test_in_english_the_subject_reads_as_stored(case, staff_client):
    assert case.subject in _text(staff_client, f"/cases/{case.pk}/", language="en")


# The intake's reason for manual triage ---------------------------------------------

NO_SOURCE = "no source address, login or advertised host found"


def test_the_reason_a_report_waits_for_triage_is_translated_on_the_report_and_home_pages(
    case, staff_client, japanese
):
    japanese(
        {
            "No source address, login or advertised host found.": "送信元アドレス・ログイン名・宣伝ホストが見つかりません。"
        }
    )
    report = case.reports.first()
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.MANUAL_TRIAGE, status_reason=NO_SOURCE)
    for path in (f"/reports/{report.pk}/", "/"):
        text = _text(staff_client, path)
        assert "送信元アドレス・ログイン名・宣伝ホストが見つかりません。" in text, path
        assert NO_SOURCE not in text, path


def test_a_reason_a_person_typed_or_a_parser_wrote_with_details_shows_as_stored():
    with translation.override("ja"):
        assert status_reason("customer called: test mail") == "customer called: test mail"
        assert status_reason("Date is not a date: 'yesterday'") == "Date is not a date: 'yesterday'"
        assert status_reason("") == ""
    with translation.override("en"):
        assert status_reason(NO_SOURCE) == "No source address, login or advertised host found."


# The customer's notice and the measure's page --------------------------------------


def test_the_notice_names_the_reports_category_as_a_word_in_japanese(
    case, staff, manager, mailoutbox, django_capture_on_commit_callbacks
):
    assert set(case.reports.values_list("category", flat=True)) == {"spam"}
    _notified(case, staff, manager, django_capture_on_commit_callbacks)
    body = mailoutbox[0].body
    assert "からのメール送信（スパム）" in body
    assert "（spam）" not in body


def test_the_notice_in_english_names_the_category_in_english(
    case, staff, manager, mailoutbox, django_capture_on_commit_callbacks
):
    from subscribers.models import Subscriber

    Subscriber.objects.filter(subscriber_id="S-3").update(email="owner@customer.example")
    _notified(case, staff, manager, django_capture_on_commit_callbacks)
    body = mailoutbox[0].body
    assert "(Spam)" in body and "(spam)" not in body


def test_a_notices_language_is_named_not_coded(
    case, staff, manager, staff_client, django_capture_on_commit_callbacks
):
    sanction = _notified(case, staff, manager, django_capture_on_commit_callbacks)
    assert sanction.notices.get().language == "ja"
    page = _text(staff_client, f"/sanctions/{sanction.pk}/")
    assert "(日本語)" in page and "(ja)" not in page
    dossier = _text(staff_client, f"/sanctions/cases/{case.pk}/dossier/")
    assert "(日本語)" in dossier and "(ja)" not in dossier
    timeline = _text(staff_client, f"/cases/{case.pk}/")
    assert "宛てに作成しました（日本語）" in timeline and "（ja）" not in timeline
    english = _text(staff_client, f"/sanctions/{sanction.pk}/", language="en")
    assert "(Japanese)" in english


def test_how_the_customers_answer_reached_us_is_a_word(
    case, staff, manager, staff_client, django_capture_on_commit_callbacks
):
    sanction = _notified(case, staff, manager, django_capture_on_commit_callbacks)
    response = staff_client.post(
        f"/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "2026-11-22 10:00", "channel": "phone", "text": "Fixed now."},
    )
    assert response.status_code == 302
    for path in (f"/sanctions/{sanction.pk}/", f"/sanctions/cases/{case.pk}/dossier/"):
        text = _text(staff_client, path)
        assert "· 電話 ·" in text and "· phone ·" not in text, path
    assert "· Phone ·" in _text(staff_client, f"/sanctions/{sanction.pk}/", language="en")


def test_who_carried_out_the_measure_is_a_word(
    case, staff, manager, staff_client, japanese, django_capture_on_commit_callbacks
):
    japanese({"by hand": "手作業"})
    sanction = _notified(case, staff, manager, django_capture_on_commit_callbacks)
    assert sanction.executions.get().executor == "manual"
    dossier = _text(staff_client, f"/sanctions/cases/{case.pk}/dossier/")
    assert "· 手作業 ·" in dossier and "· manual ·" not in dossier
    assert "· by hand ·" in _text(staff_client, f"/sanctions/cases/{case.pk}/dossier/", language="en")


# Reporters --------------------------------------------------------------------------


def test_a_reporter_key_reads_as_words():
    with translation.override("en"):
        assert reporter_label("email:alice@receiver.example") == "alice@receiver.example"
        assert reporter_label("partner:Receiver ISP") == "Receiver ISP (partner)"
        assert reporter_label("service:spamcop.net") == "spamcop.net (reporting service)"
        assert reporter_label("user:sato") == "sato (filed by staff)"
        assert reporter_label("telemetry:taro") == "login taro (our own telemetry)"
        assert reporter_label("unknown:thing") == "unknown:thing"  # a newer key shows, never vanishes
        assert reporter_label("") == ""


def test_the_case_page_and_the_dashboard_name_reporters_without_their_key_prefix(
    case, staff_client, manager_client, japanese
):
    japanese({"%(name)s (partner)": "%(name)s（パートナー）"})
    Report.objects.filter(case=case).update(reporter="")  # the page falls back to the key
    page = _text(staff_client, f"/cases/{case.pk}/")
    assert "alice@receiver.example" in page and "email:alice@" not in page
    assert "Receiver ISP（パートナー）" in page and "partner:Receiver ISP" not in page
    dashboard = _text(manager_client, "/dashboard/")
    assert "Receiver ISP（パートナー）" in dashboard and "partner:Receiver ISP" not in dashboard
    rows = list(csv.reader(io.StringIO(manager_client.get("/dashboard/top_reporters.csv").content.decode())))
    column = rows[0].index("reporter")  # (PostgreSQL's stored snapshot orders its keys its own way)
    assert "partner:Receiver ISP" in [row[column] for row in rows[1:]]  # machines read the key
