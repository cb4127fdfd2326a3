"""The guards that depend on the case's facts hold when a measure is decided and carried
out, not only when it was proposed (checks.facts_problems).

After an inventory correction and a re-attribution the case may name another customer,
its evidence may no longer reach the level: approving, upholding on review, taking the
emergency step or carrying out the measure is then refused with the reason."""

import html

import pytest

from abusedesk.errors import ApplicationError
from abusedesk.services import api_token_create
from complaints.models import Case
from complaints.services.corrections import case_reattribute
from sanctions.choices import State
from sanctions.models import Execution
from sanctions.services import execution_confirm, sanction_transition
from subscribers.services import account_upsert, block_upsert
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db

NOT_NAMED = "The account is not one the case's attribution names."


def reattribute_to_c5(case, staff, manager) -> Case:
    """The static line was in fact C-5's: the inventory is corrected, the case recomputed."""
    account_upsert(account_id="C-5", subscriber_id="S-5", kind="connection", identifier="c5@isp")
    block_upsert(
        prefix="203.0.113.5/32",
        kind="static",
        account_id="C-5",
        actor=manager,
        reason="contract records: the line is C-5's",
        correction=True,  # C-5 held it all along: not a line that changed hands today
    )
    case = case_reattribute(case=Case.objects.get(pk=case.pk), actor=staff, reason="inventory corrected")
    assert case.accounts == ["C-5"]
    return case


def approve(sanction, manager):
    return sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="looks fine"
    )


def test_approval_rechecks_that_the_case_still_names_the_account(case, staff, manager):
    """The probe: an L6 on C-3's line, approved after the case was re-attributed to C-5."""
    sanction = factories.propose(case, staff, level="L6", period_days=30)
    assert case.accounts == ["C-3"]
    reattribute_to_c5(case, staff, manager)
    with pytest.raises(ApplicationError) as refused:
        approve(sanction, manager)
    assert refused.value.code == "facts_changed"
    assert NOT_NAMED in refused.value.fields["account"]
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED and sanction.decided_by is None
    assert not Execution.objects.filter(sanction=sanction).exists()


def test_approval_rechecks_the_evidence_level(mail_case, staff, manager, recommended):
    recommended(level="L4", approval="manager", evidence_level="E2")
    sanction = factories.propose(mail_case, staff, level="L4", account=factories.mail_account())
    recommended(level="L2", approval="manager", evidence_level="E1")  # e.g. the criteria now need more
    with pytest.raises(ApplicationError) as refused:
        approve(sanction, manager)
    assert "E1" in " ".join(refused.value.fields["level"])
    assert not Execution.objects.filter(sanction=sanction).exists()


def test_unchanged_facts_are_approved_as_before(case, staff, manager):
    sanction = approve(factories.propose(case, staff), manager)
    assert sanction.state == State.APPROVED
    assert Execution.objects.filter(sanction=sanction, action="carry_out").exists()


def test_the_refusal_reaches_the_page_and_the_api(case, staff, manager, manager_client):
    sanction = factories.propose(case, staff, level="L6", period_days=30)
    reattribute_to_c5(case, staff, manager)
    page = manager_client.post(
        f"/sanctions/{sanction.pk}/transition/", {"to_state": "approved", "reason": "ok"}, follow=True
    )
    assert NOT_NAMED in html.unescape(page.content.decode())  # the page says why
    api = token_client(api_token_create(user=manager)[1]).post(
        f"/api/v1/sanctions/{sanction.pk}/transition/",
        {"to_state": "approved", "reason": "ok"},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["code"] == "facts_changed"
    assert NOT_NAMED in api.json()["fields"]["account"]
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED


def test_the_emergency_step_rechecks_the_facts(case, staff, manager):
    sanction = factories.propose(case, staff, emergency=True)
    reattribute_to_c5(case, staff, manager)
    with pytest.raises(ApplicationError) as refused:
        factories.emergency_step(sanction, staff)
    assert refused.value.code == "facts_changed" and "account" in refused.value.fields
    assert not Execution.objects.filter(sanction=sanction).exists()


def test_a_review_cannot_uphold_an_emergency_measure_the_case_no_longer_supports(case, staff, manager):
    sanction = factories.propose(case, staff, emergency=True)
    factories.walk(sanction, factories.EMERGENCY_PATHS[State.CARRIED_OUT], desk=staff, decider=manager)
    reattribute_to_c5(case, staff, manager)
    with pytest.raises(ApplicationError):
        approve(sanction, manager)
    # The review can still reject it, which lifts it.
    sanction = sanction_transition(
        sanction_id=sanction.pk, to_state=State.REJECTED, actor=manager, reason="wrong customer"
    )
    assert sanction.state == State.LIFTED


def test_the_execution_rechecks_the_facts_after_the_approval(
    case, staff, manager, django_capture_on_commit_callbacks
):
    """Re-attributed while the instruction waits in the queue: it never runs, and nobody
    records it as carried out by hand."""
    sanction = factories.propose(case, staff)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        approve(sanction, manager)
    reattribute_to_c5(case, staff, manager)
    for callback in queued:  # the worker runs the instruction after the re-attribution
        callback()
    carry = Execution.objects.get(sanction=sanction, action="carry_out")
    assert carry.status == "failed" and NOT_NAMED in carry.last_error
    with pytest.raises(ApplicationError):
        execution_confirm(execution_id=carry.pk, actor=staff, note="done by hand")
    sanction.refresh_from_db()
    assert sanction.state == State.APPROVED and sanction.carried_out_at is None
