"""A login over the volume limits, end to end: the telemetry case's propose page starts
from a send-rate cap, another desk user approves it (four eyes, as rule 2's ladder
asks), the executor is told the cap and its rate, and it is lifted the same way."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from abusedesk.roles import UserRole as Role
from complaints.models import Case
from sanctions.choices import State
from sanctions.models import Execution, Sanction
from sanctions.services import execution_confirm, sanction_propose, sanction_transition
from tests.personas import make_user
from tests.prevention import maillog as gen
from tests.subscribers.commands import run_command
from tests.subscribers.factories import AccountFactory
from tests.support.htmlforms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def telemetry_case(tmp_path) -> Case:
    rng = random.Random(2)
    log = gen.Log()
    gen.normal_senders(log, rng, count=20, hours=3)
    gen.plant_stolen_password(log, rng, "stolen01", 2)
    AccountFactory(kind="mail", identifier="stolen01", account_id="M-stolen01")
    path = tmp_path / "mail.log"
    path.write_text(log.text())
    run_command("import_maillog", path)
    return Case.objects.get(key="telemetry:stolen01")


def test_the_cap_is_proposed_approved_by_another_carried_out_and_lifted(
    telemetry_case, staff, staff_client, django_capture_on_commit_callbacks
):
    url = reverse("sanction-propose", args=[telemetry_case.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    data = form_data(page.content, css_class="proposal-form")
    data = {k: v for k, v in data.items() if k != "emergency"}
    assert data["restriction"] == ["send_rate_cap"] and data["rate_per_hour"] == ["20"]
    assert data["level"] == ["L3"]
    assert any(v.startswith("evidence:") for v in data["evidence_relied_on"])
    data["justification"] = ["Login stolen01 sent from six networks new to it within the hour."]
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    sanction = Sanction.objects.get(case=telemetry_case)
    assert (sanction.restriction, sanction.rate_per_hour, sanction.account.account_id) == (
        "send_rate_cap",
        20,
        "M-stolen01",
    )

    other = make_user("kato", Role.STAFF)
    with pytest.raises(Exception, match="Four eyes"):
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=staff, reason="mine")
    with django_capture_on_commit_callbacks(execute=True):
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=other, reason="agreed")
    carry = Execution.objects.get(sanction=sanction, action="carry_out")
    assert carry.request["restriction"] == "send_rate_cap" and carry.request["rate_per_hour"] == 20
    assert carry.request["identifier"] == "stolen01"
    execution_confirm(execution_id=carry.pk, actor=staff, note="cap set on smtp1")
    sanction_transition(sanction_id=sanction.pk, to_state=State.NOTIFIED, actor=staff, reason="told")
    with django_capture_on_commit_callbacks(execute=True):
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.LIFTED, actor=other, reason="password reset done"
        )
    lift = Execution.objects.get(sanction=sanction, action="lift")
    assert lift.request["restriction"] == "send_rate_cap" and lift.request["action"] == "lift"


def test_a_cap_needs_its_rate_and_is_only_l3(telemetry_case, staff):
    evidence = [f"evidence:{telemetry_case.evidence.first().pk}"]
    common = dict(
        case=telemetry_case,
        account=telemetry_case.sanctions.model.account.field.related_model.objects.get(
            account_id="M-stolen01"
        ),
        justification="burst",
        clauses=["C-07"],
        legal_basis="legitimate_business_act",
        evidence_relied_on=evidence,
        proposer=staff,
    )
    from abusedesk.errors import ApplicationError

    with pytest.raises(ApplicationError) as no_rate:
        sanction_propose(level="L3", restriction="send_rate_cap", **common)
    assert "rate_per_hour" in no_rate.value.fields
    with pytest.raises(ApplicationError) as not_l3:
        sanction_propose(level="L2", restriction="password_reset", **common)
    assert "restriction" in not_l3.value.fields
    reset = sanction_propose(level="L3", restriction="password_reset", **common)
    assert reset.rate_per_hour is None


def test_the_dossier_of_a_telemetry_case_shows_the_figures(telemetry_case, staff_client):
    page = staff_client.get(reverse("sanction-dossier", args=[telemetry_case.pk]))
    assert page.status_code == 200
    assert "stolen01" in page.content.decode()
    pdf = staff_client.get(reverse("sanction-dossier-pdf", args=[telemetry_case.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_api_proposes_a_cap_and_refuses_one_without_a_rate(telemetry_case, staff):
    from django.test import Client

    from abusedesk.services import api_token_create

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=staff)[1]}")
    body = {
        "case": telemetry_case.pk,
        "account": "M-stolen01",
        "level": "L3",
        "restriction": "send_rate_cap",
        "justification": "Six new networks within the hour.",
        "clauses": ["C-05", "C-07"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": [f"evidence:{telemetry_case.evidence.first().pk}"],
    }
    refused = client.post("/api/v1/sanctions/", body, content_type="application/json")
    assert refused.status_code == 400 and "rate_per_hour" in refused.json()["fields"]
    created = client.post(
        "/api/v1/sanctions/", {**body, "rate_per_hour": 30}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["restriction"] == "send_rate_cap" and created.json()["rate_per_hour"] == 30
