"""Guards found missing by a review of every entry point (helper session C, 2026-12-05):

- a case number or an evidence reference over a 64-bit key answered 500 (the database
  driver overflowed) on the bulk page and the API's proposal;
- the admin's password form let a superuser set a manager's password (and approve as
  that manager, four eyes counted) with nothing in the audit trail.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from abusedesk.models import AuditEntry
from abusedesk.services import api_token_create
from complaints.models import Case
from tests.personas import token_client

pytestmark = pytest.mark.django_db
HUGE = "9" * 30


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("cases", [[HUGE], [str(2**63)], ["0"]])
def test_the_bulk_page_takes_a_number_no_case_can_have_as_none_selected(case, staff, cases):
    before = Case.objects.get(pk=case.pk).assignee_id
    response = _client(staff).post(reverse("case-bulk"), {"cases": cases, "action": "assign_me"})
    assert response.status_code < 500
    assert Case.objects.get(pk=case.pk).assignee_id == before


def test_an_evidence_reference_no_record_can_have_is_a_400_with_its_reason(case, staff):
    client = token_client(api_token_create(user=staff)[1])
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/sanctions/",
        {
            "case": case.pk,
            "account": "C-3",
            "level": "L3",
            "justification": "spam run from the customer's line",
            "clauses": ["C-07"],
            "legal_basis": "legitimate_business_act",
            "evidence_relied_on": ["report:" + HUGE],
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content[:300]
    assert "evidence" in response.content.decode()


def test_setting_someones_password_in_the_admin_is_audited(manager):
    root = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    client = Client()
    client.force_login(root)
    url = f"/admin/auth/user/{manager.pk}/password/"
    refused = client.post(
        url, {"password1": "Another-Secret-123!", "password2": "different", "usable_password": "true"}
    )
    assert refused.status_code == 200 and not AuditEntry.objects.filter(action="user.password_set").exists()

    client.post(
        url,
        {"password1": "Another-Secret-123!", "password2": "Another-Secret-123!", "usable_password": "true"},
    )
    manager.refresh_from_db()
    assert manager.check_password("Another-Secret-123!")
    entry = AuditEntry.objects.get(action="user.password_set")
    assert entry.actor == root and entry.object_id == str(manager.pk)
    assert entry.data == {"username": manager.username, "usable_password": True}
    assert "Another-Secret" not in str(entry.data) and manager.password not in str(entry.data)


@pytest.mark.parametrize("reason", ["", "  ", "ok"])
def test_closing_a_case_with_no_action_says_why(case, staff, reason):
    response = _client(staff).post(
        reverse("case-action", args=[case.pk]),
        {"action": "close", "resolution": "no_action", "reason": reason},
    )
    assert response.status_code == 400
    assert "Say why the case is closed (at least 5 characters)." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"
    assert not AuditEntry.objects.filter(action="case.closed").exists()


def test_reopening_a_case_says_why_and_the_reason_is_on_the_record(case, staff):
    from complaints.services.reopen import case_reopen
    from complaints.services.triage import case_close

    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="customer fixed the PC")
    client = _client(staff)
    refused = client.post(reverse("case-action", args=[case.pk]), {"action": "reopen", "reason": ""})
    assert refused.status_code == 400 and "Say why the case is reopened" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == "closed"
    with pytest.raises(Exception, match="reopened"):
        case_reopen(case_ids=[case.pk], actor=staff, reason="x")
    client.post(reverse("case-action", args=[case.pk]), {"action": "reopen", "reason": "spam started again"})
    assert Case.objects.get(pk=case.pk).status == "open"
    assert AuditEntry.objects.get(action="case.reopened").reason == "spam started again"


def test_a_bulk_close_as_duplicate_names_the_case_it_duplicates_instead(case, staff):
    other = Case.objects.create(
        key="other-resource", **{f: getattr(case, f) for f in ("kind",) if hasattr(case, f)}
    )
    _client(staff).post(
        reverse("case-bulk"), {"cases": [str(other.pk)], "action": "duplicate", "duplicate_of": case.pk}
    )
    other.refresh_from_db()
    assert (other.status, other.resolution) == ("closed", "duplicate")
    assert (
        AuditEntry.objects.get(action="case.closed", object_id=str(other.pk)).data["duplicate_of"] == case.pk
    )


def test_a_consent_is_filed_only_under_a_case_that_names_the_customer(case, staff):
    """The case names C-3 (S-3); S-5's consent under it would sit on another customer's
    record and timeline, through the page and the API alike."""
    from prevention.models import FilteringConsent

    page = _client(staff).post(
        reverse("filtering-detail", args=["S-5"]),
        {
            "action": "consent",
            "given_at": "2026-11-21 10:00",
            "channel": "phone",
            "note": "called",
            "case": case.pk,
        },
    )
    assert page.status_code < 500 and "names none of this customer" in page.content.decode()
    client = token_client(api_token_create(user=staff)[1])
    client.raise_request_exception = False
    body = {
        "subscriber": "S-5",
        "action": "consent",
        "given_at": "2026-11-21T10:00+09:00",
        "channel": "phone",
    }
    api = client.post(
        "/api/v1/filtering/consents/", {**body, "case": case.pk}, content_type="application/json"
    )
    assert api.status_code == 400 and "case" in api.json().get("fields", api.json())
    assert not FilteringConsent.objects.filter(subscriber__subscriber_id="S-5").exists()
    own = client.post(
        "/api/v1/filtering/consents/",
        {**body, "subscriber": "S-3", "case": case.pk},
        content_type="application/json",
    )
    assert own.status_code in (200, 201), own.content[:300]
    assert FilteringConsent.objects.get(subscriber__subscriber_id="S-3").case_id == case.pk
