"""Emergency measures: carried out before approval, reviewed and notified in time, or overdue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sanctions.choices import State
from sanctions.selectors import overdue_emergency, review_queue
from sanctions.services import sanction_emergency_execute, sanction_transition

from . import factories

pytestmark = pytest.mark.django_db


def test_an_emergency_proposal_has_review_and_notice_deadlines(case, staff, settings):
    settings.ABUSEDESK_EMERGENCY_REVIEW_HOURS = 12
    sanction = factories.propose(case, staff, emergency=True)
    assert timedelta(hours=11) < sanction.review_due_at - timezone.now() <= timedelta(hours=12)
    assert timedelta(hours=23) < sanction.notify_due_at - timezone.now() <= timedelta(hours=24)


def test_it_is_carried_out_before_approval_by_the_proposer(case, staff, django_capture_on_commit_callbacks):
    sanction = factories.propose(case, staff, emergency=True)
    with django_capture_on_commit_callbacks(execute=True):
        execution = sanction_emergency_execute(
            sanction_id=sanction.pk, actor=staff, reason="flood going on now"
        )
    assert execution.executor == "manual" and execution.status == "pending"
    sanction = sanction_transition(
        sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="port 25 closed"
    )
    assert sanction.state == State.CARRIED_OUT and sanction.reviewed_at is None
    execution.refresh_from_db()
    assert execution.status == "confirmed" and execution.confirmed_by == staff


def test_an_unreviewed_emergency_measure_shows_as_overdue(case, staff, manager):
    sanction = factories.propose(case, staff, emergency=True)
    sanction_transition(
        sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="done at once"
    )
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
    older = factories.propose(case, staff)
    emergency = factories.propose(case, staff, emergency=True)
    later = timezone.now() + timedelta(hours=30)
    assert [s.pk for s in review_queue(now=later)] == [emergency.pk, older.pk]
    assert [s.pk for s in review_queue()] == [older.pk, emergency.pk]  # oldest first while nothing is overdue


def test_the_criteria_can_ask_for_a_sooner_review(case, staff, recommended):
    recommended(emergency_allowed=True, review_within_hours=4)
    sanction = factories.propose(case, staff, emergency=True)
    assert timedelta(hours=3) < sanction.review_due_at - timezone.now() <= timedelta(hours=4)
