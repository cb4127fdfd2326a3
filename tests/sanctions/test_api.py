"""The sanctions API: propose, read, transition; the same services and errors as the pages."""

import pytest

from sanctions.models import Sanction
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db


def test_staff_propose_over_the_api(case, staff_token):
    assert case.first_action_at is None
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
    case.refresh_from_db()
    assert case.first_action_at is not None  # proposing a measure is acting on the case


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


def _body(case, **overrides):
    body = {
        "case": case.pk,
        "account": "C-3",
        "level": "L3",
        "justification": "Three reporters in a day.",
        "clauses": ["C-03a"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
    }
    return {**body, **overrides}


def test_without_culpability_a_low_level_is_proposed_with_none_recorded(case, staff_token):
    response = token_client(staff_token).post(
        "/api/v1/sanctions/", _body(case), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["culpability"] == ""


def test_without_culpability_l4_is_a_400_with_the_reason(mail_case, staff_token, recommended):
    recommended(level="L4", approval="manager")
    body = _body(mail_case, account=factories.MAIL_ACCOUNT, level="L4")
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "recorded culpability" in " ".join(response.json()["fields"]["culpability"])
    assert not Sanction.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"evidence_relied_on": ["report:x"]}, "evidence_relied_on"),
        ({"evidence_relied_on": ["report:999999"]}, "evidence_relied_on"),
        ({"clauses": ["C-99"]}, "clauses"),
        ({"account": "NOPE"}, "account"),
        ({"account": "", "content_ref": ""}, "account"),
        ({"level": "L9"}, "level"),
        ({"culpability": "guilty"}, "culpability"),
        ({"period_days": 0}, "period_days"),
        ({"emergency": "maybe"}, "emergency"),
        ({"target_kind": "mail_account"}, "target_kind"),
        # Hosted content of a case that is about no hosting, or of a customer the
        # case does not name: each refused like any other target.
        ({"target_kind": "hosting_content", "content_ref": "http://shop.example/x"}, "target_kind"),
        ({"target_kind": "hosting_content", "content_ref": "http://shop.example/x", "account": "C-1"}, "account"),
    ],
)
def test_bad_proposals_get_a_400_naming_the_field(case, staff_token, overrides, field):
    response = token_client(staff_token).post(
        "/api/v1/sanctions/", _body(case, **overrides), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_the_emergency_step_and_confirmation_over_the_api(
    hosted_case, staff_token, recommended, staff, other_staff
):
    from abusedesk.services import api_token_create

    # L5 on the phishing page itself (the specific hosted content).
    recommended(level="L5", evidence_level="E3", emergency_allowed=True, approval="manager")
    body = _body(
        hosted_case,
        account="H-1",
        target_kind="hosting_content",
        content_ref=factories.HOSTED_PAGE,
        level="L5",
        culpability="intentional",
        clauses=["C-03a", "C-09"],
        emergency=True,
    )
    client = token_client(staff_token)
    proposed = client.post("/api/v1/sanctions/", body, content_type="application/json")
    assert proposed.status_code == 201, proposed.json()
    sanction = proposed.json()
    base = f"/api/v1/sanctions/{sanction['id']}"

    direct = client.post(
        f"{base}/transition/", {"to_state": "carried_out", "reason": "done"}, "application/json"
    )
    assert direct.status_code == 403 and direct.json()["code"] == "emergency_step"

    stepped = client.post(f"{base}/emergency/", {"reason": "phishing page live"}, "application/json").json()
    execution = stepped["executions"][0]["id"]
    alone = client.post(f"{base}/executions/{execution}/confirm/", {"note": "page off"}, "application/json")
    assert alone.status_code == 403 and "one person cannot" in alone.json()["detail"]

    other = token_client(api_token_create(user=other_staff)[1])
    done = other.post(
        f"{base}/executions/{execution}/confirm/", {"note": "page off at 10:02"}, "application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "carried_out"


def test_the_emergency_step_is_refused_where_the_criteria_allow_none(case, staff_token, recommended):
    recommended(level="L1", culpability="victim", emergency_allowed=False)
    body = _body(case, level="L7", culpability="victim", clauses=["C-03a", "C-09"], emergency=True)
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"emergency", "level"}


def test_a_case_nothing_ties_to_our_records_names_no_account(case, staff_token, recommended):
    recommended(evidence_level="E0", level="L0", target="none")
    response = token_client(staff_token).post(
        "/api/v1/sanctions/", _body(case, level="L1"), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "E0" in " ".join(response.json()["fields"]["account"])
    assert not Sanction.objects.exists()
