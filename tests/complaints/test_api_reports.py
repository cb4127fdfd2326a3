import json
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client

from complaints.models import Case, Report
from complaints.services.partners import partner_create
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def post_message(client, raw: bytes, **headers):
    return client.post(URL, data=raw, content_type="message/rfc822", **headers)


def post_json(client, body, **headers):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_a_partner_files_a_raw_message_and_gets_the_parsed_facts(partner):
    _, key = partner
    response = post_message(token_client(key), spam(at=AT))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "parsed"
    assert body["source_ip"] == "198.51.100.23"
    assert datetime.fromisoformat(body["occurred_at"]) == AT
    assert body["url_hosts"] == ["pills.example.net"]
    assert "case" not in body and "attribution" not in body  # partners never see our side


def test_the_stored_bytes_are_exactly_what_was_sent(partner):
    _, key = partner
    raw = spam(at=AT).replace(b"\n", b"\r\n") + b"\r\n\x00trailing"
    response = post_message(token_client(key), raw)
    report = Report.objects.get(pk=response.json()["id"])
    assert bytes(report.raw) == raw
    import hashlib

    assert report.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert report.channel == "api" and report.partner.name == "Receiver ISP"


def test_resending_the_same_message_returns_the_first_report(partner):
    _, key = partner
    client = token_client(key)
    first = post_message(client, spam(at=AT))
    again = post_message(client, spam(at=AT))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1


def test_an_idempotency_key_never_creates_a_second_report(partner):
    _, key = partner
    client = token_client(key)
    first = post_message(client, spam(at=AT), HTTP_IDEMPOTENCY_KEY="abc-1")
    retry = post_message(client, spam(at=AT, subject="edited on retry"), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1


def test_two_partners_sending_the_same_spam_are_two_reports_in_one_case(partner, other_partner):
    a = post_message(token_client(partner[1]), spam(at=AT))
    b = post_message(token_client(other_partner[1]), spam(at=AT))
    assert a.json()["id"] != b.json()["id"]
    case = Case.objects.get()
    assert case.report_count == 2 and case.reporter_count == 2


def test_other_content_types_are_415(partner):
    response = token_client(partner[1]).post(URL, data="hello", content_type="text/plain")
    assert response.status_code == 415
    assert "text/plain" in response.json()["detail"]


def test_bodies_over_the_limit_are_413_and_not_stored(partner, settings):
    settings.ABUSEDESK_MAX_REPORT_BYTES = 2048
    response = post_message(token_client(partner[1]), spam(at=AT) + b"x" * 4096)
    assert response.status_code == 413
    assert Report.objects.count() == 0


def test_an_empty_body_is_400(partner):
    response = post_message(token_client(partner[1]), b"  \r\n")
    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_the_short_json_form_is_accepted(partner):
    response = post_json(
        token_client(partner[1]),
        {"source_ip": "198.51.100.7", "occurred_at": "2026-11-20T14:30:05+09:00", "category": "spam"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_ip"] == "198.51.100.7"
    assert datetime.fromisoformat(body["occurred_at"]) == AT
    assert body["format"] == "form"


def test_the_short_form_gives_a_reason_per_bad_field(partner):
    response = post_json(
        token_client(partner[1]),
        {"source_ip": "not-an-ip", "occurred_at": "2026-11-20T14:30:05", "category": "weather"},
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"source_ip", "occurred_at", "category"}
    assert "zone offset" in fields["occurred_at"][0]
    assert Report.objects.count() == 0


def test_invalid_json_is_400(partner):
    response = post_json(token_client(partner[1]), b"{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_xarf_v4_with_a_bad_source_names_the_field(partner):
    report = {
        "xarf_version": "4.0.0",
        "category": "messaging",
        "type": "spam",
        "timestamp": "2026-11-20T05:30:05Z",
        "source_identifier": "definitely not an address!",
        "reporter": {"org": "X", "contact": "abuse@x.example"},
    }
    response = post_json(token_client(partner[1]), report)
    assert response.status_code == 400
    assert "source_identifier" in response.json()["fields"]


def test_a_partner_sees_only_its_own_reports(partner, other_partner):
    mine = post_message(token_client(partner[1]), spam(at=AT)).json()["id"]
    theirs = post_message(token_client(other_partner[1]), spam(at=AT, message_id="<other@x>")).json()["id"]
    listing = token_client(partner[1]).get(URL).json()
    assert [r["id"] for r in listing["results"]] == [mine]
    assert token_client(partner[1]).get(f"{URL}{theirs}/").status_code == 404
    detail = token_client(partner[1]).get(f"{URL}{mine}/").json()
    assert set(detail) == {
        "id",
        "reference",
        "status",
        "received_at",
        "format",
        "category",
        "source_ip",
        "occurred_at",
        "subject",
        "message_id",
        "url_hosts",
    }


def test_staff_see_every_report_with_hops_and_case(partner, staff_token):
    rid = post_message(token_client(partner[1]), spam(at=AT)).json()["id"]
    body = token_client(staff_token).get(f"{URL}{rid}/").json()
    for field in (
        "id",
        "status",
        "source_ip",
        "occurred_at",
        "reporter",
        "message_id",
        "authenticated_as",
        "url_hosts",
        "hops",
        "case",
        "attribution",
    ):
        assert field in body
    # What the message said is content (S1): the content endpoint gives it, with a purpose.
    assert "subject" not in body and "urls" not in body
    assert body["hops"][0]["from_address"] == "198.51.100.23"
    assert body["hops"][0]["is_origin"] is True
    assert body["case"]["reporter_count"] == 1


def test_the_staff_list_uses_a_constant_number_of_queries(partner, staff_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, staff = token_client(partner[1]), token_client(staff_token)

    def queries_for_list(expected: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert len(staff.get(URL).json()["results"]) == expected
        return len(ctx.captured_queries)

    for i in range(2):
        post_message(client, spam(at=AT, message_id=f"<m{i}@x>"))
    staff.get(URL)  # the token's first use of the minute writes last_used_at
    few = queries_for_list(2)
    for i in range(2, 12):
        post_message(client, spam(at=AT, message_id=f"<m{i}@x>"))
    assert queries_for_list(12) == few <= 10


def test_without_a_token_the_api_answers_401():
    from django.test import Client

    assert Client().get(URL).status_code == 401


def test_each_partner_has_its_own_rate_limit(db):
    _, key = partner_create(name="Tiny", rate_limit="2/min")
    client = token_client(key)
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    response = client.get(URL)
    assert response.status_code == 429
    assert "throttled" in response.json()["code"]


def test_create_partner_prints_the_token_last(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_partner", "Partner Net", "--email", "abuse@partner.example", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert token_client(key).get("/api/v1/whoami/").json() == {
        "username": "partner:Partner-Net",
        "role": "partner",
    }


def test_create_partner_refuses_a_duplicate(partner):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_partner", "receiver isp")


def test_schema_and_docs_are_served_without_a_cdn(staff_client):
    schema = staff_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/reports/" in schema.content
    docs = staff_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_api_errors_speak_the_callers_language(partner):
    response = token_client(partner[1]).post(URL, data=b"  ", content_type="message/rfc822", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert response.json()["fields"]["body"] == ["リクエスト本文が空です"]
    missing = token_client(partner[1]).get(f"{URL}999999/", HTTP_ACCEPT_LANGUAGE="ja")
    assert missing.json()["detail"] == "苦情 999999 はありません"
    unauthenticated = Client().get(URL, HTTP_ACCEPT_LANGUAGE="ja")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["detail"] != "Authentication credentials were not provided."


@pytest.mark.parametrize(
    "body",
    [
        {
            "xarf_version": "4.0.0",
            "category": "messaging",
            "type": "spam",
            "timestamp": "2026-11-20T05:30:05",
            "source_identifier": "198.51.100.23",
            "reporter": {"org": "X", "contact": "abuse@x.example"},
        },
        {"Version": "0.2", "Report": {"SourceIp": "198.51.100.23", "Date": "2026-11-20T05:30:05"}},
    ],
    ids=["xarf-v4", "xarf-v3"],
)
def test_a_machine_report_time_without_an_offset_is_refused(partner, body):
    """A naive time is some zone's wall clock, up to 14 hours either way: which customer
    held a dynamic address then cannot be told. RFC 3339 requires the offset."""
    response = post_json(token_client(partner[1]), body)
    assert response.status_code == 400
    assert "zone offset" in json.dumps(response.json())
    assert Report.objects.count() == 0
    body = json.loads(json.dumps(body).replace("05:30:05", "05:30:05+09:00"))
    assert post_json(token_client(partner[1]), body).status_code in (201, 202)


def test_an_xarf_report_sent_as_its_own_media_type_is_filed(partner):
    """XARF v4 reports are sent as application/xarf+json by some feeds: it was 415."""
    report = {
        "xarf_version": "4.0.0", "report_id": "5c7a1e0e-0a0b-4c3d-9e8f-112233445566", "category": "messaging",
        "type": "spam", "timestamp": "2026-11-20T05:30:05Z", "source_identifier": "198.51.100.23",
        "reporter": {"org": "X", "contact": "abuse@x.example", "domain": "x.example"},
        "sender": {"org": "X", "contact": "abuse@x.example", "domain": "x.example"},
    }  # fmt: skip
    client = token_client(partner[1])
    response = client.post(URL, data=json.dumps(report), content_type="application/xarf+json")
    assert response.status_code == 201, response.content
    stored = Report.objects.get(pk=response.json()["id"])
    assert str(stored.source_ip) == "198.51.100.23" and stored.content_type == "application/xarf+json"
    short = {"source_ip": "198.51.100.23", "occurred_at": "2026-11-20T05:30:05Z"}
    refused = client.post(URL, data=json.dumps(short), content_type="application/xarf+json")
    assert refused.status_code == 400 and "xarf_version" in json.dumps(refused.json())
