"""Opt-in filtering (rule 13, C-16): consent and withdrawal recorded from the browser, the
API and the command; the provisioning side told through the executor; no filtering
without a recorded consent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from abusedesk.models import AuditEntry
from abusedesk.services import api_token_create
from prevention.models import FilteringConsent, FilteringInstruction
from prevention.services.filtering import filtering_consent_record, instruction_confirm, instruction_run
from tests.subscribers.commands import run_command
from tests.subscribers.factories import AccountFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


class Provisioning(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def provisioning(settings):
    Provisioning.received = []
    server = HTTPServer(("127.0.0.1", 0), Provisioning)  # a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ABUSEDESK_EXECUTOR = "webhook"
    settings.ABUSEDESK_EXECUTOR_URL = f"http://127.0.0.1:{server.server_address[1]}/filtering"
    settings.ABUSEDESK_EXECUTOR_SECRET = "shared"
    yield Provisioning
    server.shutdown()
    server.server_close()


@pytest.fixture
def customer():
    subscriber = SubscriberFactory(subscriber_id="S-7001")
    AccountFactory(
        subscriber=subscriber, kind="mail", identifier="hanako@isp.example.jp", account_id="M-7001"
    )
    return subscriber


def test_staff_record_consent_in_the_browser_and_the_webhook_turns_filtering_on(
    customer, staff_client, provisioning, django_capture_on_commit_callbacks
):
    url = reverse("filtering-detail", args=["S-7001"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            {"action": "consent", "given_at": "2026-11-21 10:00", "channel": "phone", "note": "call 123"},
        )
    assert response.status_code == 302
    consent = FilteringConsent.objects.get()
    assert (consent.action, consent.channel, consent.recorded_by.username) == ("consent", "phone", "sato")
    assert consent.instruction.status == "confirmed"  # the provisioning system answered 200
    [sent] = provisioning.received
    assert sent["action"] == "filter_on" and sent["mail_accounts"] == ["hanako@isp.example.jp"]
    assert AuditEntry.objects.filter(action="filtering.consent_recorded", object_id=str(consent.pk)).exists()
    page = staff_client.get(url)
    assert "Filtering: on" in page.content.decode()


def test_withdrawal_turns_it_off_and_a_second_consent_is_refused(customer, staff, staff_client):
    url = reverse("filtering-detail", args=["S-7001"])
    staff_client.post(url, {"action": "consent", "given_at": "2026-11-21 10:00", "channel": "web"})
    again = staff_client.post(url, {"action": "consent", "given_at": "2026-11-21 10:05", "channel": "web"})
    assert again.status_code == 400
    assert "already recorded" in again.content.decode()
    staff_client.post(url, {"action": "withdraw", "given_at": "2026-11-22 09:00", "channel": "mail"})
    actions = list(FilteringInstruction.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["filter_on", "filter_off"]
    assert "Filtering: off" in staff_client.get(url).content.decode()


def test_nothing_is_filtered_when_the_consent_was_withdrawn_before_the_instruction_left(customer, staff):
    from django.utils import timezone

    consent = filtering_consent_record(
        subscriber=customer, action="consent", given_at=timezone.now(), channel="phone", recorder=staff
    )
    filtering_consent_record(
        subscriber=customer, action="withdraw", given_at=timezone.now(), channel="phone", recorder=staff
    )
    on = instruction_run(instruction_id=consent.instruction.pk)
    assert on.status == "failed" and "withdrawn" in on.last_error
    from abusedesk.errors import Conflict

    with pytest.raises(Conflict):
        instruction_confirm(instruction_id=on.pk, actor=staff, note="done")


def test_bad_input_gets_a_reason_and_stores_nothing(customer, staff_client):
    url = reverse("filtering-detail", args=["S-7001"])
    future = staff_client.post(url, {"action": "consent", "given_at": "2099-01-01 10:00", "channel": "web"})
    no_channel = staff_client.post(
        url, {"action": "consent", "given_at": "2026-11-21 10:00", "channel": "fax"}
    )
    withdraw = staff_client.post(
        url, {"action": "withdraw", "given_at": "2026-11-21 10:00", "channel": "web"}
    )
    assert (future.status_code, no_channel.status_code, withdraw.status_code) == (400, 400, 400)
    assert "future" in future.content.decode()
    assert "no consent to withdraw" in withdraw.content.decode()
    assert not FilteringConsent.objects.exists()


def test_the_api_records_and_reports_the_state(customer, staff):
    token = api_token_create(user=staff)[1]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    body = {
        "subscriber": "S-7001",
        "action": "consent",
        "given_at": "2026-11-21T10:00:00+09:00",
        "channel": "web",
    }
    created = client.post("/api/v1/filtering/consents/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["recorded_by"] == "sato"
    state = client.get("/api/v1/filtering/S-7001/").json()
    assert state["filtering"] is True and len(state["history"]) == 1
    bad = client.post(
        "/api/v1/filtering/consents/", {**body, "given_at": "yesterday"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "given_at" in bad.json()["fields"]
    dup = client.post("/api/v1/filtering/consents/", body, content_type="application/json")
    assert dup.status_code == 409
    missing = client.post(
        "/api/v1/filtering/consents/", {**body, "subscriber": "S-0"}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_a_partner_learns_nothing(customer):
    from complaints.services.partners import partner_create

    partner, key = partner_create(name="Other ISP", contact_email="abuse@other.example")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    body = {
        "subscriber": "S-7001",
        "action": "consent",
        "given_at": "2026-11-21T10:00:00+09:00",
        "channel": "web",
    }
    assert (
        client.post("/api/v1/filtering/consents/", body, content_type="application/json").status_code == 404
    )
    assert client.get("/api/v1/filtering/S-7001/").status_code == 404
    assert not FilteringConsent.objects.exists()


def test_the_command_records_and_refuses_bad_input_in_one_line(customer, staff):
    out = run_command(
        "record_filtering_consent",
        "S-7001",
        "consent",
        given_at="2026-11-21T10:00+09:00",
        channel="letter",
        recorded_by="sato",
    ).out
    assert "recorded consent" in out
    with pytest.raises(CommandError, match="no UTC offset"):
        run_command(
            "record_filtering_consent",
            "S-7001",
            "withdraw",
            given_at="2026-11-21T10:00",
            channel="letter",
            recorded_by="sato",
        )
    with pytest.raises(CommandError, match="already recorded"):
        run_command(
            "record_filtering_consent",
            "S-7001",
            "consent",
            given_at="2026-11-21T10:00+09:00",
            channel="letter",
            recorded_by="sato",
        )


def test_only_desk_staff_may_record(customer):
    from django.utils import timezone

    from abusedesk.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        filtering_consent_record(
            subscriber=customer,
            action="consent",
            given_at=timezone.now(),
            channel="web",
            recorder=AnonymousUser(),
        )


def test_consent_records_are_never_changed(customer, staff):
    from django.utils import timezone

    consent = filtering_consent_record(
        subscriber=customer, action="consent", given_at=timezone.now(), channel="web", recorder=staff
    )
    consent.channel = "phone"
    with pytest.raises(ValueError):
        consent.save()


def test_the_case_page_leads_to_the_customer_and_offers_the_reply(customer, staff_client):
    from complaints.choices import Channel
    from complaints.services.intake import report_ingest
    from tests.sanctions import factories

    case = report_ingest(
        raw=factories.spam("192.0.2.77", factories.HANDOVER),
        channel=Channel.MAILBOX,
        reporter_key="email:a@b.example",
    ).report.case
    page = staff_client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "filtering_offer" in page
    found = staff_client.get(reverse("filtering-find"), {"subscriber": "S-7001", "case": case.pk})
    assert found.status_code == 302 and found["Location"].endswith(f"/filtering/S-7001/?case={case.pk}")
    missing = staff_client.get(reverse("filtering-find"), {"subscriber": "nobody", "case": case.pk})
    assert missing.status_code == 302


def test_the_filtering_offer_reply_exists_in_english_and_japanese(customer):
    from django.template.loader import render_to_string
    from django.utils import translation

    en = render_to_string("complaints/email/reply_body.txt", {"template": "filtering_offer"})
    assert "opt-in" in en and "consent" in en
    with translation.override("ja"):
        ja = render_to_string("complaints/email/reply_body.txt", {"template": "filtering_offer"})
    assert ja != en


def test_the_case_page_lists_the_case_customers_with_their_filtering_state(isp, staff, staff_client):
    from django.utils import timezone

    from complaints.models import Case
    from subscribers.models import Subscriber
    from tests.sanctions import factories

    case = factories.case_from_reports()
    holder = Subscriber.objects.get(accounts__account_id="C-3")
    filtering_consent_record(
        subscriber=holder, action="consent", given_at=timezone.now(), channel="phone", recorder=staff
    )
    # The case accuses C-3 of sending: filtering is not the question, the box is not offered.
    page = staff_client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Opt-in filtering for our customer" not in page
    # Where our customer received the spam, the box lists them with their state.
    Case.objects.filter(pk=case.pk).update(roles=["receiving"])
    page = staff_client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert f'href="/filtering/{holder.subscriber_id}/?case={case.pk}"' in page
    assert "Filtering: on (consent recorded)" in page


def test_the_filtering_page_speaks_japanese(customer, staff_client):
    staff_client.cookies.load({"django_language": "ja"})
    page = staff_client.get(reverse("filtering-detail", args=["S-7001"]), HTTP_ACCEPT_LANGUAGE="ja")
    text = page.content.decode()
    assert "希望者向けフィルタリング" in text and "同意の記録なし" in text
