"""A person corrects what the desk derived by fixing the record it stands on; the case is then
recomputed with the reason on record. Nothing derived is typed by hand."""

import pytest
from django.urls import reverse

from abusedesk.models import AuditEntry
from subscribers.services import block_upsert
from tests.personas import token_client
from tests.sanctions import factories

pytestmark = pytest.mark.django_db


def test_a_corrected_inventory_is_applied_to_the_case_with_who_and_why(isp, staff, manager, staff_token):
    case = factories.case_from_reports()
    assert case.accounts == ["C-3"]
    # The static line was entered on the wrong account: the inventory is corrected (audited) ...
    block_upsert(
        prefix="203.0.113.5/32", kind="static", account_id="C-1", actor=manager, reason="ticket 4711",
        correction=True,  # C-1 held it all along: not a line that changed hands today
    )
    # ... and the case recomputed from it, with a reason, through the API.
    url = reverse("api-case-reattribute", args=[case.pk])
    refused = token_client(staff_token).post(url, {"reason": " "}, "application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    response = token_client(staff_token).post(
        url, {"reason": "static block fixed (ticket 4711)"}, "application/json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.accounts == ["C-1"]
    entry = AuditEntry.objects.get(action="case.reattributed")
    assert (entry.actor, entry.case_id, entry.reason) == (staff, case.pk, "static block fixed (ticket 4711)")
    assert entry.data["before"]["accounts"] == ["C-3"] and entry.data["after"]["accounts"] == ["C-1"]
    fixed = AuditEntry.objects.get(action="inventory.addressblock.updated")
    assert fixed.actor == manager and fixed.reason == "ticket 4711"


def test_partners_cannot_correct_a_case(isp, partner):
    case = factories.case_from_reports()
    response = token_client(partner[1]).post(
        reverse("api-case-reattribute", args=[case.pk]), {"reason": "mine"}, "application/json"
    )
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="case.reattributed").exists()
