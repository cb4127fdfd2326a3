"""Probed: pressing "Propose a measure" twice made two pending proposals; L4 ("stop
outbound mail of a mail account") was accepted on a connection account."""

import pytest

from abusedesk.errors import ApplicationError
from complaints.models import Case
from sanctions.choices import State
from sanctions.models import Sanction
from sanctions.services import sanction_transition
from subscribers.models import Account
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db


def _form(case):
    return {
        "level": "L3",
        "account": Account.objects.get(account_id="C-3").pk,
        "justification": "Direct-to-MX spam from the static line.",
        "clauses": ["C-03a", "C-07"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
    }


def test_submitting_the_proposal_form_twice_makes_one_proposal(case, staff_client):
    url = f"/sanctions/cases/{case.pk}/propose/"
    assert staff_client.post(url, _form(case)).status_code == 302
    again = staff_client.post(url, _form(case))
    assert again.status_code == 400
    first = Sanction.objects.get()
    assert f"Measure {first.reference} already proposes L3" in again.content.decode()


def test_the_api_refuses_a_second_pending_proposal_with_its_reason(case, staff_token):
    body = {**_form(case), "case": case.pk, "account": "C-3"}
    client = token_client(staff_token)
    assert client.post("/api/v1/sanctions/", body, content_type="application/json").status_code == 201
    again = client.post("/api/v1/sanctions/", body, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["code"] == "duplicate_proposal"
    assert "already proposes" in again.json()["detail"]
    assert Sanction.objects.count() == 1


def test_another_level_or_a_decided_proposal_is_not_a_duplicate(case, staff, manager):
    first = factories.propose(case, staff)
    with pytest.raises(ApplicationError, match="already proposes"):
        factories.propose(case, staff)
    factories.propose(case, staff, level="L2")  # another level: another measure
    sanction_transition(sanction_id=first.pk, to_state=State.REJECTED, actor=manager, reason="too much")
    factories.propose(case, staff)  # the first was decided: proposing again is a new proposal
    assert Sanction.objects.filter(level="L3").count() == 2


def test_more_evidence_requested_is_still_pending(case, staff, manager):
    first = factories.propose(case, staff)
    sanction_transition(sanction_id=first.pk, to_state=State.MORE_EVIDENCE, actor=manager, reason="logs?")
    with pytest.raises(ApplicationError, match="already proposes"):
        factories.propose(case, staff)


def test_l4_is_refused_on_a_connection_account(case, staff, recommended):
    recommended(level="L4", approval="manager")
    with pytest.raises(ApplicationError) as refused:
        factories.propose(case, staff, level="L4")
    assert "mail account" in " ".join(refused.value.fields["level"])
    assert not Sanction.objects.exists()


def test_l4_is_refused_on_a_connection_account_in_the_api(case, staff_token, recommended):
    recommended(level="L4", approval="manager")
    body = {**_form(case), "case": case.pk, "account": "C-3", "level": "L4"}
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "mail account" in " ".join(response.json()["fields"]["level"])


def test_l4_on_a_mail_account_and_l6_on_a_connection_are_accepted(case, staff, recommended):
    recommended(level="L4", approval="manager")
    Case.objects.filter(pk=case.pk).update(accounts=[*case.accounts, "M-1"])
    case.refresh_from_db()
    mail = Account.objects.get(account_id="M-1")
    assert factories.propose(case, staff, level="L4", account=mail).level == "L4"
    recommended(level="L6", approval="manager")
    assert factories.propose(case, staff, level="L6").level == "L6"


def test_l6_is_refused_on_a_mail_account(case, staff, recommended):
    recommended(level="L6", approval="manager")
    Case.objects.filter(pk=case.pk).update(accounts=[*case.accounts, "M-1"])
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        factories.propose(case, staff, level="L6", account=Account.objects.get(account_id="M-1"))
    assert "connection account" in " ".join(refused.value.fields["level"])
