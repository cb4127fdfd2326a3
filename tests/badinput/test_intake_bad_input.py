"""Issue 10, item 6: hostile or odd input through the entry points users use.

Each finding of the probe: the API answers 4xx with a reason (never 500), a stored
report is parsed instead of sent to manual triage with a stack trace, an import goes on
past a bad message, and pages keep working on whatever dates are stored.
"""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from complaints.models import Report
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


def _post_json(client: Client, body):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json")


def _reason(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def _with_subject(raw: bytes, subject: bytes) -> bytes:
    head, body = raw.split(b"\n\n", 1)
    lines = [line for line in head.split(b"\n") if not line.lower().startswith(b"subject:")]
    return b"\n".join([*lines, b"Subject: " + subject]) + b"\n\n" + body


# --- mail bytes ------------------------------------------------------------------


def test_a_raw_shift_jis_subject_is_decoded_not_sent_to_triage(partner):
    _, key = partner
    raw = _with_subject(spam(at=AT), "激安のお薬".encode("shift_jis"))
    response = token_client(key).post(URL, data=raw, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == "parsed", report.status_reason
    assert report.subject == "激安のお薬"


def test_an_euc_jp_subject_with_an_iso_2022_jp_body_is_decoded(partner):
    _, key = partner
    raw = _with_subject(spam(at=AT), "激安のお薬".encode("euc_jp"))
    response = token_client(key).post(URL, data=raw, content_type="message/rfc822")
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == "parsed", report.status_reason
    assert report.subject == "激安のお薬"


def test_nul_bytes_in_headers_and_body_are_stored_without_nul(partner):
    _, key = partner
    raw = _with_subject(spam(at=AT), b"Cheap\x00 pills").replace(b"Buy now!", b"Buy\x00 now!")
    raw = raw.replace(b"From: sale@", b"From: sa\x00le@")
    response = token_client(key).post(URL, data=raw, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == "parsed", report.status_reason
    assert "\x00" not in report.subject and "Cheap" in report.subject
    assert "\x00" not in json.dumps(report.facts)
    assert bytes(report.raw) == raw  # the evidence itself is kept byte for byte


def test_nul_bytes_in_the_short_form_message_are_refused_with_a_reason(partner):
    _, key = partner
    body = {
        "source_ip": "198.51.100.23",
        "occurred_at": "2026-11-20T05:30:05Z",
        "message": spam(at=AT).decode().replace("Cheap pills", "Cheap\x00pills"),
    }
    response = _post_json(token_client(key), body)
    assert response.status_code == 400, response.content
    assert "message" in response.json()["fields"]
    assert Report.objects.count() == 0


# --- JSON that the parser cannot hold ---------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"source_ip": "198.51.100.23", "occurred_at": "2026-11-20T05:30:05Z", "n": ' + "9" * 100_000 + "}",
        '{"xarf_version": "4.0.0", "n": 1e99999}',
    ],
    ids=["deep-list", "deep-object", "long-number", "huge-float"],
)
def test_json_too_deep_or_too_long_is_refused_with_a_reason(partner, staff_token, body):
    _, key = partner
    response = _post_json(token_client(key), body)
    assert response.status_code == 400, response.content[:300]
    assert "JSON" in _reason(response)


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"purpose": ' + "9" * 100_000 + "}"],
    ids=["deep", "long-number"],
)
def test_the_drf_parser_refuses_deep_json_and_long_numbers_with_a_reason(staff_token, body):
    client = token_client(staff_token)
    report = client.post(URL, data=spam(at=AT), content_type="message/rfc822").json()
    url = f"/api/v1/cases/{report['case']['id']}/confirmations/"
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "JSON" in _reason(response)


# --- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "occurred_at",
    ["0001-01-01T00:00:00Z", "1989-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"],
)
def test_an_implausible_occurred_at_is_refused_with_a_reason(partner, occurred_at):
    _, key = partner
    response = _post_json(token_client(key), {"source_ip": "198.51.100.23", "occurred_at": occurred_at})
    assert response.status_code == 400, response.content
    assert "occurred_at" in response.json()["fields"]
    assert Report.objects.count() == 0


def test_occurred_at_more_than_a_day_ahead_is_refused_but_a_few_hours_of_clock_skew_is_not(partner):
    _, key = partner
    client = token_client(key)
    ahead = timezone.now() + timedelta(days=2)
    response = _post_json(client, {"source_ip": "198.51.100.23", "occurred_at": ahead.isoformat()})
    assert response.status_code == 400, response.content
    skewed = timezone.now() + timedelta(hours=3)
    response = _post_json(client, {"source_ip": "198.51.100.23", "occurred_at": skewed.isoformat()})
    assert response.status_code == 201, response.content


def test_an_xarf_timestamp_of_year_one_is_refused(partner):
    _, key = partner
    body = _xarf(timestamp="0001-01-01T00:00:00Z")
    response = _post_json(token_client(key), body)
    assert response.status_code == 400, response.content
    assert "timestamp" in _reason(response)


def test_pages_survive_an_odd_stored_date_for_a_user_west_of_utc(partner, staff, staff_client):
    from abusedesk.models import UserPreference

    _, key = partner
    response = token_client(key).post(URL, data=spam(at=AT), content_type="message/rfc822")
    report = Report.objects.get(pk=response.json()["id"])
    odd = datetime(1, 1, 1, tzinfo=UTC)
    # Stored before the API checked it (or by any other path): pages must still render.
    Report.objects.filter(pk=report.pk).update(occurred_at=odd, received_at=odd)
    report.hops.update(time=odd)
    UserPreference.objects.update_or_create(user=staff, defaults={"time_zone": "America/Los_Angeles"})
    for url in ("/cases/", f"/cases/{report.case_id}/", "/reports/", f"/reports/{report.pk}/"):
        page = staff_client.get(url)
        assert page.status_code == 200, (url, page.status_code)
    api = token_client(key).get(f"{URL}{report.pk}/")
    assert api.status_code == 200


# --- addresses and versions --------------------------------------------------------


def _xarf(**changes) -> dict:
    body = {
        "xarf_version": "4.0.0",
        "category": "abuse",
        "type": "spam",
        "timestamp": "2026-11-20T05:30:05Z",
        "source_identifier": "198.51.100.23",
        "reporter": {"org": "Receiver", "contact": "abuse@receiver.example", "domain": "receiver.example"},
        "sender": {"org": "Receiver", "contact": "abuse@receiver.example", "domain": "receiver.example"},
        "report_id": "r-1",
        "evidence_source": "spamtrap",
        "smtp_mail_from": "sale@spammer.example",
    }
    body.update(changes)
    return body


@pytest.mark.parametrize("address", ["fe80::1%eth0", "2001:db8::1%1"])
def test_a_zoned_ipv6_source_in_the_short_form_is_refused_with_a_reason(partner, address):
    _, key = partner
    response = _post_json(token_client(key), {"source_ip": address, "occurred_at": "2026-11-20T05:30:05Z"})
    assert response.status_code == 400, response.content
    assert "zone" in _reason(response)


def test_a_zoned_ipv6_source_in_xarf_is_refused_with_a_reason(partner):
    _, key = partner
    response = _post_json(token_client(key), _xarf(source_identifier="fe80::1%eth0"))
    assert response.status_code == 400, response.content
    assert "zone" in _reason(response)


@pytest.mark.parametrize("version", [4, 4.0, True, None, ["4"], {"v": 4}])
def test_a_non_string_xarf_version_is_refused_with_a_reason(partner, version):
    _, key = partner
    response = _post_json(token_client(key), _xarf(xarf_version=version))
    assert response.status_code == 400, response.content
    assert "xarf_version" in _reason(response)
    assert Report.objects.count() == 0


def test_a_key_given_twice_is_refused_not_read_one_way(partner):
    """{"source_ip": foreign, ..., "source_ip": ours}: parsers keep the first or the last,
    and the desk must not pick the customer by that accident."""
    _, key = partner
    body = '{"source_ip": "192.0.2.1", "occurred_at": "2026-11-20T05:30:05Z", "source_ip": "198.51.100.23"}'
    response = _post_json(token_client(key), body)
    assert response.status_code == 400, response.content
    assert "twice" in _reason(response)
    assert Report.objects.count() == 0


@pytest.mark.parametrize("source", ["198.51.100.23:1345", "[2001:db8::1]:25"])
def test_an_address_with_its_port_in_xarf_is_refused_with_a_reason(partner, source):
    _, key = partner
    response = _post_json(token_client(key), _xarf(source_identifier=source))
    assert response.status_code == 400, response.content
    assert "source_port" in _reason(response)
    assert Report.objects.count() == 0


def test_an_ipv6_address_ending_in_digits_is_no_address_with_a_port(partner):
    _, key = partner
    response = _post_json(token_client(key), _xarf(source_identifier="2001:db8::1:25"))
    assert response.status_code in (201, 202), response.content


# --- mailbox import ----------------------------------------------------------------


def test_an_encoded_crlf_in_a_subject_does_not_stop_the_mailbox_import(tmp_path, capsys):
    path = tmp_path / "abuse.mbox"
    box = mailbox.mbox(str(path))
    subjects = [
        b"first",
        b"=?utf-8?q?Hello=0D=0ABcc=3A_x=40evil=2Eexample?=",
        b"=?utf-8?b?DQoNCg==?=",
        b"last",
    ]
    for n, subject in enumerate(subjects):
        raw = _with_subject(spam(at=AT, message_id=f"<m{n}@pc.invalid>"), subject)
        box.add(raw.replace(b"Buy now!", f"Buy now {n}!".encode()))
    box.flush()
    box.close()
    call_command("import_mailbox", str(path), "--no-ack")
    out = capsys.readouterr().out
    assert Report.objects.count() == 4, out
    assert all("\r" not in s and "\n" not in s for s in Report.objects.values_list("subject", flat=True))
    assert "created 4" in out


def test_one_failing_message_is_reported_and_skipped_and_the_rest_imported(tmp_path, capsys, monkeypatch):
    from complaints.services import mailbox as mailbox_service

    path = tmp_path / "abuse.mbox"
    box = mailbox.mbox(str(path))
    for n in range(3):
        box.add(spam(at=AT, message_id=f"<m{n}@pc.invalid>").replace(b"Buy now!", f"Buy {n}!".encode()))
    box.flush()
    box.close()
    real = mailbox_service._new_report

    def flaky(raw, channel):
        if b"Buy 1!" in raw:
            raise ValueError("simulated storage failure")
        return real(raw, channel)

    monkeypatch.setattr(mailbox_service, "_new_report", flaky)
    with pytest.raises(Exception) as raised:
        call_command("import_mailbox", str(path), "--no-ack")
    captured = capsys.readouterr()
    assert Report.objects.count() == 2
    assert "message 2" in captured.err and "simulated storage failure" in captured.err
    assert "1 failed" in str(raised.value)


def test_an_unknown_api_path_answers_json_not_the_html_page(partner):
    _, key = partner
    response = token_client(key).get("/api/v1/cases/-1/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    page = Client().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
