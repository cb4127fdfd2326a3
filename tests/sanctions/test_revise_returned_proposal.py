"""A proposal a reviewer sent back ("ask for more evidence") is revised by its proposer
and goes back to review: in the service, on the page and over the API. The revision
passes the guards a new proposal passes, the proposer still cannot decide on it, and
what changed is in the audit trail."""

from __future__ import annotations

import pytest

from abusedesk.errors import ApplicationError, Conflict, PermissionDenied
from abusedesk.models import AuditEntry
from complaints.models import Report
from sanctions.choices import State
from sanctions.models import Sanction
from sanctions.services import sanction_revise, sanction_transition
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db

ASKED = "Which reports show their own MTA? Add the evidence and say why L3."
BETTER = "Three reporters within a day; our session log ties the static line to C-3 at each time."


@pytest.fixture
def returned(case, staff, manager):
    """staff's L3 proposal on C-3, relying on one report only, sent back by a manager."""
    first = Report.objects.filter(case=case).order_by("pk").first()
    sanction = factories.propose(case, staff, evidence_relied_on=[f"report:{first.pk}"])
    return sanction_transition(
        sanction_id=sanction.pk, to_state=State.MORE_EVIDENCE, actor=manager, reason=ASKED
    )


def revision(case, **overrides) -> dict:
    values = {
        "level": "L2",
        "justification": BETTER,
        "clauses": ["C-03a", "C-19"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
        "reason": "Added the other two reports; a warning first.",
    }
    return {**values, **overrides}


def test_the_proposer_revises_and_it_is_back_in_review(returned, case, staff, manager):
    sanction = sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case))
    assert sanction.state == State.PROPOSED
    assert (sanction.level, sanction.justification) == ("L2", BETTER)
    assert {c["catalogue_id"] for c in sanction.clauses} == {"C-03a", "C-19"}
    assert len(sanction.evidence_relied_on) == 3
    assert sanction.proposed_by == staff  # still the proposer: four eyes hold
    with pytest.raises(PermissionDenied, match="Four eyes"):
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=staff, reason="fine")
    approved = sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="now it holds"
    )
    assert approved.state == State.APPROVED and approved.decided_by == manager


def test_the_revision_is_in_the_audit_trail_and_the_record(returned, case, staff):
    sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case))
    entry = AuditEntry.objects.filter(object_id=str(returned.pk), action="sanction.resubmit").get()
    assert entry.actor_name == staff.get_username()
    assert entry.reason == "Added the other two reports; a warning first."
    assert set(entry.data["revised"]) >= {"level", "justification", "clauses", "evidence_relied_on"}
    assert entry.data["changes"]["level"] == {"before": "L3", "after": "L2"}
    assert len(entry.data["changes"]["evidence_relied_on"]["before"]) == 1
    last = returned.transitions.order_by("-at", "-id").first()
    assert (last.from_state, last.to_state, last.actor_name) == (
        State.MORE_EVIDENCE,
        State.PROPOSED,
        staff.get_username(),
    )


def test_a_revision_meets_the_guards_of_a_new_proposal(returned, case, staff):
    with pytest.raises(ApplicationError) as refused:
        sanction_revise(
            sanction_id=returned.pk, actor=staff, **revision(case, level="L7", culpability="", clauses=[])
        )
    assert {"clauses", "culpability", "level"} <= set(refused.value.fields)
    with pytest.raises(ApplicationError) as refused:
        sanction_revise(
            sanction_id=returned.pk, actor=staff, **revision(case, evidence_relied_on=["report:0"])
        )
    assert "evidence_relied_on" in refused.value.fields
    with pytest.raises(ApplicationError) as refused:
        sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case, reason="  "))
    assert "reason" in refused.value.fields
    returned.refresh_from_db()
    assert (returned.state, returned.level) == (State.MORE_EVIDENCE, "L3")


def test_only_the_proposer_revises_and_only_a_returned_proposal(returned, case, staff, other_staff, manager):
    with pytest.raises(PermissionDenied):
        sanction_revise(sanction_id=returned.pk, actor=other_staff, **revision(case))
    with pytest.raises(PermissionDenied):  # the reviewer would then approve what they wrote
        sanction_revise(sanction_id=returned.pk, actor=manager, **revision(case))
    sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case))
    with pytest.raises(Conflict):  # back in review: a reviewer decides first
        sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case, level="L1"))


def test_a_revision_to_a_level_already_pending_is_refused(returned, case, staff):
    other = factories.propose(case, staff, level="L2")
    with pytest.raises(ApplicationError) as refused:
        sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case, level="L2"))
    assert refused.value.code == "duplicate_proposal" and other.reference in refused.value.message
    # The same level as before is not a duplicate of itself.
    assert sanction_revise(sanction_id=returned.pk, actor=staff, **revision(case, level="L3")).level == "L3"


# -- the page ------------------------------------------------------------------------------


def form_data(case, **overrides) -> dict:
    data = revision(case, **overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_offers_the_revision_to_the_proposer_only(returned, staff_client, manager_client):
    text = staff_client.get(f"/sanctions/{returned.pk}/").content.decode()
    assert f"/sanctions/{returned.pk}/revise/" in text and "Revise the proposal" in text
    assert (
        f"/sanctions/{returned.pk}/revise/"
        not in manager_client.get(f"/sanctions/{returned.pk}/").content.decode()
    )
    page = staff_client.get(f"/sanctions/{returned.pk}/revise/")
    assert page.status_code == 200
    body = page.content.decode()
    assert ASKED in body  # what the reviewer asked for
    assert returned.justification in body  # the proposal as it stands, to edit
    assert manager_client.get(f"/sanctions/{returned.pk}/revise/").status_code == 302  # back, with the reason


def test_the_proposer_revises_on_the_page(returned, case, staff_client):
    response = staff_client.post(f"/sanctions/{returned.pk}/revise/", form_data(case), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/sanctions/{returned.pk}/"
    returned.refresh_from_db()
    assert (returned.state, returned.level, returned.justification) == (State.PROPOSED, "L2", BETTER)
    text = response.content.decode()
    assert "Added the other two reports" in text  # in the record of the measure
    assert "You proposed this measure: someone else decides on it." in text


def test_a_refused_revision_keeps_what_was_typed(returned, case, staff_client):
    response = staff_client.post(
        f"/sanctions/{returned.pk}/revise/", form_data(case, level="L7", culpability="victim")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "never goes to L7" in text
    assert BETTER in text and "Added the other two reports" in text
    returned.refresh_from_db()
    assert returned.state == State.MORE_EVIDENCE


# -- the API ---------------------------------------------------------------------------------


def test_the_proposer_revises_over_the_api(returned, case, staff, staff_token, manager):
    from abusedesk.services import api_token_create

    url = f"/api/v1/sanctions/{returned.pk}/revise/"
    manager_token = api_token_create(user=manager, name="review")[1]
    refused = token_client(manager_token).post(url, revision(case), "application/json")
    assert refused.status_code == 403, refused.content
    response = token_client(staff_token).post(url, revision(case), "application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == State.PROPOSED and body["level"] == "L2"
    assert body["transitions"][-1]["reason"] == "Added the other two reports; a warning first."
    approve = token_client(staff_token).post(
        f"/api/v1/sanctions/{returned.pk}/transition/",
        {"to_state": "approved", "reason": "ok"},
        "application/json",
    )
    assert approve.status_code == 403 and approve.json()["code"] == "four_eyes"
    again = token_client(staff_token).post(url, revision(case, level="L1"), "application/json")
    assert again.status_code == 409
    invalid = token_client(staff_token).post(url, revision(case, justification=""), "application/json")
    assert invalid.status_code == 400
    assert Sanction.objects.get(pk=returned.pk).level == "L2"
