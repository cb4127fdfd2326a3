"""Emergency measures (C-09): when one may be carried out before approval, by whom, and the review.

The rule is stated once in sanctions/checks.py; these tests walk each point of it
through the services. tests/security/test_guard_entry_points.py walks the same
points through the API, the pages, the executor and the tasks.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from abusedesk.errors import ApplicationError, Conflict, PermissionDenied
from sanctions.choices import State
from sanctions.models import Execution, Sanction
from sanctions.selectors import overdue_emergency, review_queue
from sanctions.services import execution_confirm, sanction_emergency_execute, sanction_transition

from . import factories

pytestmark = pytest.mark.django_db


def carry_out(sanction, actor, reason="port 25 closed at 10:02"):
    return sanction_transition(
        sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=actor, reason=reason
    )


# -- 1-4: when a measure may be proposed as an emergency --------------------------------


def test_an_emergency_proposal_has_review_and_notice_deadlines(case, staff, settings):
    settings.ABUSEDESK_EMERGENCY_REVIEW_HOURS = 12
    sanction = factories.propose(case, staff, emergency=True)
    assert timedelta(hours=11) < sanction.review_due_at - timezone.now() <= timedelta(hours=12)
    assert timedelta(hours=23) < sanction.notify_due_at - timezone.now() <= timedelta(hours=24)


def test_no_emergency_where_the_criteria_allow_none(case, staff, recommended):
    # The probe's case: a victim, L1 recommended, no emergency allowed; an L7 emergency asked for.
    recommended(level="L1", culpability="victim", emergency_allowed=False, rule="5")
    with pytest.raises(ApplicationError) as refused:
        factories.propose(case, staff, level="L7", culpability="victim", emergency=True)
    assert "emergency" in refused.value.fields
    assert "level" in refused.value.fields  # and L7 is never for a victim
    with pytest.raises(ApplicationError) as low:
        factories.propose(case, staff, level="L1", culpability="victim", emergency=True)
    assert list(low.value.fields) == ["emergency"]
    assert not Sanction.objects.exists()


def test_an_emergency_goes_no_higher_than_the_criteria_recommend(case, staff, recommended):
    recommended(level="L3", also=("L1",), emergency_allowed=True)
    with pytest.raises(ApplicationError) as refused:
        factories.propose(case, staff, level="L6", emergency=True)  # suspending C-3: above L3
    assert any("no higher than the criteria recommend (L3)" in m for m in refused.value.fields["level"])
    assert factories.propose(case, staff, level="L3", emergency=True).emergency
    assert factories.propose(case, staff, level="L1", emergency=True).emergency  # less is allowed


def test_an_emergency_cites_the_emergency_clause(case, staff):
    with pytest.raises(ApplicationError) as refused:
        factories.propose(case, staff, emergency=True, clauses=["C-03a", "C-07"])
    assert any("C-09" in m for m in refused.value.fields["clauses"])


def test_an_emergency_l4_still_needs_everything_l4_needs(mail_case, staff, recommended):
    recommended(level="L5", evidence_level="E1", emergency_allowed=True, approval="manager")
    with pytest.raises(ApplicationError) as weak:
        factories.propose(mail_case, staff, level="L5", emergency=True, account=factories.mail_account())
    assert any("E2 or higher" in m for m in weak.value.fields["level"])
    recommended(level="L5", evidence_level="E2", emergency_allowed=True, approval="manager")
    with pytest.raises(ApplicationError) as unrecorded:
        factories.propose(
            mail_case, staff, level="L5", emergency=True, culpability="", account=factories.mail_account()
        )
    assert "culpability" in unrecorded.value.fields


# -- 5: the emergency step comes first and is re-checked ----------------------------------


def test_it_is_carried_out_after_the_emergency_step(case, staff, django_capture_on_commit_callbacks):
    sanction = factories.propose(case, staff, emergency=True)
    with django_capture_on_commit_callbacks(execute=True):
        execution = sanction_emergency_execute(
            sanction_id=sanction.pk, actor=staff, reason="flood going on now"
        )
    assert execution.executor == "manual" and execution.status == "pending"
    assert execution.requested_by == staff
    sanction = carry_out(sanction, staff)
    assert sanction.state == State.CARRIED_OUT and sanction.reviewed_at is None
    execution.refresh_from_db()
    assert execution.status == "confirmed" and execution.confirmed_by == staff


def test_it_is_never_carried_out_without_the_step(case, staff):
    sanction = factories.propose(case, staff, emergency=True)
    with pytest.raises(PermissionDenied, match="emergency step first"):
        carry_out(sanction, staff)
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED and not Execution.objects.exists()


def test_the_step_is_refused_on_a_record_the_rule_would_refuse(case, staff):
    # A row that did not come through sanction_propose (an import, an old row): the
    # step checks the record itself, not only what the proposal form checked.
    sanction = factories.propose(case, staff, emergency=True)
    Sanction.objects.filter(pk=sanction.pk).update(
        level="L6", recommendation={**sanction.recommendation, "emergency_allowed": False}
    )
    with pytest.raises(ApplicationError) as refused:
        sanction_emergency_execute(sanction_id=sanction.pk, actor=staff, reason="now")
    assert refused.value.code == "emergency_refused"
    assert not Execution.objects.exists()


def test_an_ordinary_proposal_has_no_emergency_step(sanction, staff):
    with pytest.raises(Conflict):
        sanction_emergency_execute(sanction_id=sanction.pk, actor=staff, reason="now")


def test_confirming_an_emergency_execution_says_what_was_done(case, staff, other_staff):
    sanction = factories.propose(case, staff, emergency=True)
    execution = factories.emergency_step(sanction, staff)
    with pytest.raises(ApplicationError) as empty:
        execution_confirm(execution_id=execution.pk, actor=other_staff, note="  ")
    assert "note" in empty.value.fields
    execution_confirm(execution_id=execution.pk, actor=other_staff, note="rate cap 10/h on C-3 at 10:05")
    execution.refresh_from_db()
    assert execution.confirmed_note == "rate cap 10/h on C-3 at 10:05"


# -- 6: from L4 on, never one person alone ------------------------------------------------


@pytest.fixture
def emergency_l5(hosted_case, staff, recommended):
    # Rule 11: a compromised site used for phishing, the specific content disabled at once.
    recommended(level="L5", evidence_level="E3", emergency_allowed=True, approval="manager", rule="11")
    return factories.propose(hosted_case, staff, level="L5", emergency=True, **factories.hosted_content())


def test_one_person_cannot_propose_step_and_confirm_an_l4_measure(emergency_l5, staff):
    execution = factories.emergency_step(emergency_l5, staff)
    with pytest.raises(PermissionDenied, match="one person cannot"):
        execution_confirm(execution_id=execution.pk, actor=staff, note="done it myself")
    with pytest.raises(PermissionDenied, match="one person cannot"):
        carry_out(emergency_l5, staff)
    emergency_l5.refresh_from_db()
    assert emergency_l5.state == State.PROPOSED and emergency_l5.carried_out_at is None


def test_a_second_person_confirms_an_l4_emergency(emergency_l5, staff, other_staff):
    factories.emergency_step(emergency_l5, staff)
    assert carry_out(emergency_l5, other_staff).state == State.CARRIED_OUT


def test_the_proposer_may_confirm_what_someone_else_stepped(emergency_l5, staff, other_staff):
    factories.emergency_step(emergency_l5, other_staff)
    assert carry_out(emergency_l5, staff).state == State.CARRIED_OUT


def test_the_provisioning_system_confirms_an_l4_emergency(emergency_l5, staff):
    factories.emergency_step(emergency_l5, staff)
    assert carry_out(emergency_l5, None, reason="HTTP 200 from provisioning").state == State.CARRIED_OUT


def test_below_l4_the_desk_may_act_alone(case, staff):
    # Rule 2: stolen credentials, an automatic L3 block; reviewed by someone else afterwards.
    sanction = factories.propose(case, staff, emergency=True)
    factories.emergency_step(sanction, staff)
    assert carry_out(sanction, staff).state == State.CARRIED_OUT


# -- 7: the review ------------------------------------------------------------------------


def test_the_review_of_an_l4_emergency_needs_a_manager_who_neither_proposed_nor_stepped(
    emergency_l5, staff, other_staff, manager, other_manager
):
    factories.emergency_step(emergency_l5, manager)
    carry_out(emergency_l5, other_staff)
    for actor, match in ((staff, "Four eyes"), (other_staff, "manager"), (manager, "emergency step")):
        with pytest.raises(PermissionDenied, match=match):
            sanction_transition(
                sanction_id=emergency_l5.pk, to_state=State.APPROVED, actor=actor, reason="reviewed"
            )
    reviewed = sanction_transition(
        sanction_id=emergency_l5.pk, to_state=State.APPROVED, actor=other_manager, reason="justified"
    )
    assert reviewed.state == State.CARRIED_OUT and reviewed.decided_by == other_manager
    assert reviewed.reviewed_at is not None


def test_an_unreviewed_emergency_measure_shows_as_overdue(case, staff, manager):
    sanction = factories.propose(case, staff, emergency=True)
    factories.emergency_step(sanction, staff)
    carry_out(sanction, staff, reason="done at once")
    later = timezone.now() + timedelta(hours=25)
    assert list(overdue_emergency(now=later)) == [sanction]
    assert list(overdue_emergency()) == []

    sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="reviewed: justified"
    )
    assert list(overdue_emergency(now=later)) == [sanction]  # still not notified
    sanction_transition(sanction_id=sanction.pk, to_state=State.NOTIFIED, actor=staff, reason="customer told")
    assert list(overdue_emergency(now=later)) == []


def test_overdue_emergency_measures_lead_the_review_queue(case, staff):
    older = factories.propose(case, staff, level="L2")  # a warning, alongside the L3 (no duplicate)
    emergency = factories.propose(case, staff, emergency=True)
    later = timezone.now() + timedelta(hours=30)
    assert [s.pk for s in review_queue(now=later)] == [emergency.pk, older.pk]
    assert [s.pk for s in review_queue()] == [older.pk, emergency.pk]  # oldest first while nothing is overdue


def test_the_criteria_can_ask_for_a_sooner_review(case, staff, recommended):
    recommended(emergency_allowed=True, review_within_hours=4)
    sanction = factories.propose(case, staff, emergency=True)
    assert timedelta(hours=3) < sanction.review_due_at - timezone.now() <= timedelta(hours=4)


def _notified_emergency(case, staff, other_staff):
    sanction = factories.propose(case, staff, emergency=True)
    factories.walk(sanction, factories.EMERGENCY_PATHS[State.NOTIFIED], desk=other_staff, decider=None)
    sanction.refresh_from_db()
    assert sanction.state == State.NOTIFIED and sanction.reviewed_at is None
    return sanction


@pytest.mark.parametrize("to_state", [State.UPHELD, State.LIFTED])
def test_an_unreviewed_emergency_is_approved_or_rejected_before_it_is_upheld_or_lifted(
    case, staff, other_staff, manager, to_state
):
    """Upholding or lifting stood in for the review and left it with no reviewer on record;
    lifted, a measure nobody approved counted as an earlier measure (E4, rule 14)."""
    from sanctions.facts import taken_measures

    sanction = _notified_emergency(case, staff, other_staff)
    with pytest.raises(ApplicationError):
        sanction_transition(sanction_id=sanction.pk, to_state=to_state, actor=manager, reason="decided on it")
    sanction.refresh_from_db()
    assert sanction.state == State.NOTIFIED and sanction.reviewed_at is None and sanction.decided_by is None

    reviewed = sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="reviewed: justified"
    )
    assert reviewed.state == State.NOTIFIED and reviewed.decided_by == manager and reviewed.reviewed_at
    ended = sanction_transition(
        sanction_id=sanction.pk, to_state=to_state, actor=manager, reason="decided on it"
    )
    assert ended.state == to_state and ended.decided_by == manager
    assert taken_measures().filter(pk=sanction.pk).exists()  # approved on review: a valid measure


def test_the_api_and_the_page_offer_an_unreviewed_emergency_only_its_review(
    case, staff, other_staff, manager, manager_client
):
    from abusedesk.services import api_token_create
    from tests.sanctions.test_api import token_client

    sanction = _notified_emergency(case, staff, other_staff)
    api = token_client(api_token_create(user=manager)[1])
    refused = api.post(
        f"/api/v1/sanctions/{sanction.pk}/transition/",
        {"to_state": "upheld", "reason": "decided on it"},
        content_type="application/json",
    )
    assert 400 <= refused.status_code < 500 and refused.json()["code"]
    page = manager_client.get(f"/sanctions/{sanction.pk}/").content.decode()
    offered = set(re.findall(r'name="to_state" value="(\w+)"', page))
    assert {"approved", "rejected"} <= offered and not offered & {"upheld", "lifted"}, offered
    posted = manager_client.post(
        f"/sanctions/{sanction.pk}/transition/", {"to_state": "upheld", "reason": "decided on it"}
    )
    assert posted.status_code < 500
    sanction.refresh_from_db()
    assert sanction.state == State.NOTIFIED and sanction.reviewed_at is None


def test_a_case_stays_open_while_its_emergency_measure_awaits_review(case, staff, other_staff, manager):
    """Closed, the case's reports would be purged on the retention clock before anyone
    reviewed the measure that rests on them; every path closes through case_close."""
    from django.test import Client
    from django.urls import reverse

    from complaints.models import Case
    from complaints.services.triage import case_close

    sanction = factories.propose(case, staff, emergency=True)
    factories.walk(sanction, factories.EMERGENCY_PATHS[State.CARRIED_OUT], desk=other_staff, decider=None)
    with pytest.raises(Conflict, match=f"{sanction.reference} is in force and awaits its review"):
        case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="nothing more to do")
    client = Client()
    client.force_login(staff)
    page = client.post(
        reverse("case-action", args=[case.pk]),
        {"action": "close", "resolution": "no_action", "reason": "nothing more to do"},
    )
    assert page.status_code == 409 and "awaits its review" in page.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"

    sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="reviewed: justified"
    )
    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="nothing more to do")
    assert Case.objects.get(pk=case.pk).status == "closed"
