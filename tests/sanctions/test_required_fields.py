"""Justification, a clause, the legal basis and the evidence are required: in the
database (named constraints), in the service, on the form and in the API."""

import pytest
from django.db import IntegrityError, transaction

from abusedesk.errors import ApplicationError
from sanctions.models import Sanction
from subscribers.models import Account
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db

VALID = {
    "target_kind": "connection_account",
    "level": "L3",
    "justification": "Three reporters.",
    "clauses": [{"catalogue_id": "C-03a", "isp_number": "12", "title": "Spam", "version": 1}],
    "legal_basis": "legitimate_business_act",
    "evidence_relied_on": [{"type": "report", "id": 1}],
    "culpability": "intentional",
}


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("justification", "   ", "sanction_justification_required"),
        ("clauses", [], "sanction_clause_required"),
        ("legal_basis", "", "sanction_legal_basis_required"),
        ("evidence_relied_on", [], "sanction_evidence_required"),
        ("level", "L9", "sanction_level_valid"),
        ("culpability", "", "sanction_culpability_above_l3"),
    ],
)
def test_the_database_refuses_a_sanction_without_it(case, staff, field, value, constraint):
    values = {**VALID, field: value}
    if field == "culpability":
        values["level"] = "L6"  # above L3, and a level a connection account takes
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic():
            Sanction.objects.create(
                case=case, account=Account.objects.get(account_id="C-3"), proposed_by=staff, **values
            )


def test_the_database_accepts_a_complete_sanction(case, staff):
    Sanction.objects.create(
        case=case, account=Account.objects.get(account_id="C-3"), proposed_by=staff, **VALID
    )


def test_a_victim_case_never_reaches_l7_even_in_the_database(case, staff):
    values = {**VALID, "level": "L7", "culpability": "victim"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Sanction.objects.create(
            case=case, account=Account.objects.get(account_id="C-3"), proposed_by=staff, **values
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("justification", " "), ("clauses", []), ("legal_basis", ""), ("evidence_relied_on", [])],
)
def test_the_service_names_the_missing_field(case, staff, field, value):
    with pytest.raises(ApplicationError) as info:
        factories.propose(case, staff, **{field: value})
    assert field in info.value.fields


def test_l4_needs_strong_evidence_and_a_culpability(mail_case, staff, recommended):
    recommended(level="L4", evidence_level="E1", approval="manager")
    with pytest.raises(ApplicationError) as info:
        factories.propose(mail_case, staff, level="L4", culpability="", account=factories.mail_account())
    assert "E2" in " ".join(info.value.fields["level"])
    assert info.value.fields["culpability"]


def test_a_victim_is_never_proposed_for_l7(case, staff, recommended):
    recommended(level="L3", culpability="victim")
    with pytest.raises(ApplicationError) as info:
        factories.propose(case, staff, level="L7", culpability="victim")
    assert "L7" in " ".join(info.value.fields["level"])


def test_evidence_must_be_records_of_the_case(case, staff):
    with pytest.raises(ApplicationError) as info:
        factories.propose(case, staff, evidence_relied_on=["report:999999"])
    assert info.value.fields["evidence_relied_on"]


def test_the_form_shows_each_reason(case, staff_client):
    response = staff_client.post(f"/sanctions/cases/{case.pk}/propose/", {"level": "L3"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "justification is required" in text
    assert "at least one contract clause" in text
    assert "legal basis" in text
    assert "evidence the measure relies on" in text
    assert not Sanction.objects.exists()


def test_the_api_answers_400_with_a_reason_per_field(case, staff_token):
    body = {
        "case": case.pk,
        "account": "C-3",
        "level": "L3",
        "justification": "",
        "clauses": [],
        "evidence_relied_on": [],
    }
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"justification", "clauses", "legal_basis", "evidence_relied_on"} <= set(fields)
    assert not Sanction.objects.exists()
