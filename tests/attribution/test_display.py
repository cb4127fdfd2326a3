"""The case page, the report page, the API and the dossier show where the origin came
from and what is evidence of a compromise apart from mere signals, in both languages."""

import re
from datetime import timedelta

import pytest

from abusedesk.models import UserPreference
from complaints.choices import Channel
from complaints.models import Case
from complaints.services import report_ingest
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct, message
from tests.personas import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(isp, django_capture_on_commit_callbacks):
    """A hijacked machine (random greeting) and a self-operated one (a plain name)."""
    with django_capture_on_commit_callbacks(execute=True):
        hijacked = report_ingest(
            raw=message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5), helo="xkqzvbtrwp")]),
            channel=Channel.MAILBOX,
            reporter_key="email:a@receiver.example",
            acknowledge=False,
        ).report
        plain = report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER, helo="user-pc")]),
            channel=Channel.MAILBOX,
            reporter_key="email:b@receiver.example",
            acknowledge=False,
        ).report
    return Case.objects.get(pk=hijacked.case_id), Case.objects.get(pk=plain.case_id)


def test_the_case_page_tells_evidence_from_signals_in_english(two_cases, staff_client):
    hijacked, plain = two_cases
    page = staff_client.get(f"/cases/{hijacked.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Evidence of a compromise" in page and "greeting of random letters" in page
    assert 'data-basis="walked"' in page and "found by walking the trusted Received headers" in page
    assert 'class="weight-evidence"' in page
    page = staff_client.get(f"/cases/{plain.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "none: the customer is not taken for a victim" in page
    signals = re.search(r'<dd class="weight-signal">(.*?)</dd>', page, re.S).group(1)
    assert "user-pc" in signals  # the greeting, listed as a signal (by the parser or the engine)
    assert "That alone shows nothing." in page


def test_the_case_page_in_japanese(two_cases, staff_client):
    hijacked, plain = two_cases
    page = staff_client.get(f"/cases/{hijacked.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "乗っ取りの証拠" in page and "無作為な文字列の挨拶" in page
    assert "信頼できる Received ヘッダーをたどって特定" in page
    page = staff_client.get(f"/cases/{plain.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "兆候（観察のみ・証拠ではない）" in page and "それだけでは何も示しません。" in page
    assert "?" not in "".join(line for line in page.splitlines() if "<li data-code" in line)


def test_step_times_follow_the_readers_time_zone(two_cases, staff, staff_client):
    hijacked, _plain = two_cases
    UserPreference.objects.update_or_create(user=staff, defaults={"time_zone": "Europe/Paris"})
    page = staff_client.get(f"/cases/{hijacked.pk}/").content.decode()
    assert "2026-11-20 06:35:00 CET" in page  # 05:35Z, shown like every other time on the page
    assert "T05:35:00" not in page


def test_the_api_gives_the_distinctions_and_sentences_in_the_requested_language(two_cases, staff_token):
    hijacked, plain = two_cases
    api = token_client(staff_token)
    case = api.get(f"/api/v1/cases/{hijacked.pk}/").json()
    assert case["findings"]["compromise"][0]["key"] == "helo_random"
    assert case["findings"]["origin_bases"] == [
        {"basis": "walked", "label": "found by walking the trusted Received headers", "reports": 1}
    ]
    assert case["evidence_level"] == "E1" and case["recommendation"]["culpability"] == "victim"
    assert {s["weight"] for s in case["findings"]["steps"]} >= {"evidence"}
    report_id = hijacked.reports.get().pk
    report = api.get(f"/api/v1/reports/{report_id}/", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert report["findings"]["origin"]["basis"] == "walked"
    assert report["findings"]["compromise"][0]["label"] == "無作為な文字列の挨拶"
    assert all("?" not in s["text"] for s in report["findings"]["steps"])
    plain_case = api.get(f"/api/v1/cases/{plain.pk}/").json()
    assert plain_case["findings"]["compromise"] == []
    assert any(
        s["key"].startswith("helo_") and s["value"] == "user-pc" for s in plain_case["findings"]["signals"]
    )


def test_partners_never_see_the_findings(isp, partner):
    _partner, key = partner
    answer = token_client(key).post(
        "/api/v1/reports/", message([direct("203.0.113.5", HANDOVER)]), content_type="message/rfc822"
    )
    assert answer.status_code == 201
    assert "findings" not in answer.json() and "attribution" not in answer.json()


def test_the_dossier_marks_evidence_signals_and_the_origin_basis(two_cases, manager_client):
    hijacked, plain = two_cases
    page = manager_client.get(f"/sanctions/cases/{hijacked.pk}/dossier/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "(found by walking the trusted Received headers)" in text
    assert "[evidence] The sender greeted as “xkqzvbtrwp”" in text
    text = manager_client.get(
        f"/sanctions/cases/{plain.pk}/dossier/", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "［兆候・証拠ではない］" in text
    pdf = manager_client.get(f"/sanctions/cases/{plain.pk}/dossier.pdf")
    assert pdf.status_code == 200
