"""The sanctions API: propose, read, transition; the same services and errors as the pages."""

import pytest

from sanctions.models import Sanction
from tests.personas import token_client

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sanctions.urls")]


def test_staff_propose_over_the_api(case, staff_token):
    body = {
        "case": case.pk,
        "account": "C-3",
        "level": "L3",
        "justification": "Three reporters in a day.",
        "clauses": ["C-03a"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
    }
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "proposed" and data["account"] == "C-3" and data["criteria_version"] == 1
    assert data["clauses"][0]["catalogue_id"] == "C-03a" and data["proposed_by"] == "sato"
    assert Sanction.objects.filter(pk=data["id"]).exists()


def test_a_transition_over_the_api_and_the_four_eyes_error(sanction, staff_token, manager):
    from abusedesk.services import api_token_create

    url = f"/api/v1/sanctions/{sanction.pk}/transition/"
    own = token_client(staff_token).post(
        url, {"to_state": "approved", "reason": "mine"}, content_type="application/json"
    )
    assert own.status_code == 403 and own.json()["code"] == "four_eyes"

    manager_key = api_token_create(user=manager)[1]
    response = token_client(manager_key).post(
        url, {"to_state": "approved", "reason": "ok"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"
    again = token_client(manager_key).post(
        url, {"to_state": "approved", "reason": "ok"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_decided"

    detail = token_client(staff_token).get(f"/api/v1/sanctions/{sanction.pk}/").json()
    assert [t["action"] for t in detail["transitions"]] == ["approve"]
    assert detail["executions"][0]["action"] == "carry_out"


def test_partners_cannot_see_sanctions(sanction, partner):
    response = token_client(partner[1]).get(f"/api/v1/sanctions/{sanction.pk}/")
    assert response.status_code == 404
