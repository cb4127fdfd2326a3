"""Four eyes: nobody decides on their own proposal; manager levels need a manager."""

import threading

import pytest
from django.db import connection

from abusedesk.errors import Conflict, PermissionDenied
from sanctions.choices import State
from sanctions.models import Execution
from sanctions.services import sanction_transition

from . import factories

pytestmark = pytest.mark.django_db


def approve(sanction, actor):
    return sanction_transition(
        sanction_id=sanction.pk, to_state=State.APPROVED, actor=actor, reason="looks right"
    )


def test_the_proposer_cannot_approve_their_own_proposal(case, manager):
    sanction = factories.propose(case, manager)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        approve(sanction, manager)
    with pytest.raises(PermissionDenied):
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.REJECTED, actor=manager, reason="changed my mind"
        )


def test_staff_cannot_approve_l4_and_above(mail_case, staff, other_staff, recommended):
    recommended(level="L4", approval="manager")
    sanction = factories.propose(mail_case, staff, level="L4", account=factories.mail_account())
    with pytest.raises(PermissionDenied, match="manager"):
        approve(sanction, other_staff)
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED


def test_a_manager_who_did_not_propose_approves_l4(mail_case, staff, manager, recommended):
    recommended(level="L4", approval="manager")
    sanction = factories.propose(mail_case, staff, level="L4", account=factories.mail_account())
    assert approve(sanction, manager).state == State.APPROVED


def test_staff_approve_what_the_policy_leaves_to_staff(case, staff, other_staff):
    sanction = factories.propose(case, staff, level="L2")
    assert approve(sanction, other_staff).decided_by == other_staff


def test_staff_cannot_approve_a_low_level_the_recommendation_reserves_for_managers(
    case, staff, other_staff, recommended
):
    recommended(level="L6", approval="manager")
    sanction = factories.propose(case, staff, level="L3")  # chose lower than recommended
    assert sanction.recommended_level == "L6" and sanction.level == "L3"
    with pytest.raises(PermissionDenied):
        approve(sanction, other_staff)


def test_a_second_approval_is_told_who_decided_and_executes_nothing_more(sanction, manager, other_manager):
    approve(sanction, manager)
    with pytest.raises(Conflict, match="Already decided by tanaka"):
        approve(sanction, other_manager)
    assert Execution.objects.filter(sanction=sanction).count() == 1
    assert sanction.transitions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_wins(isp, recommended, staff, manager, other_manager):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on one file lock; row-level races need PostgreSQL")
    sanction = factories.propose(factories.case_from_reports(), staff)
    barrier, outcomes = threading.Barrier(2), []

    def decide(actor):
        try:
            barrier.wait()
            approve(sanction, actor)
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(m,)) for m in (manager, other_manager)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["already_decided", "won"]
    assert Execution.objects.filter(sanction=sanction).count() == 1
    assert sanction.transitions.count() == 1
