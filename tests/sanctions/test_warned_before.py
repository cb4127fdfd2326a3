"""E4 "went on after a documented warning" (POLICY.md) needs spam after the warning."""

from datetime import timedelta

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case
from complaints.services import report_ingest
from sanctions.choices import State
from sanctions.facts import case_facts, cases_inventory
from sanctions.models import Sanction
from sanctions.services import sanction_transition
from tests.attribution.conftest import HANDOVER

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(isp, recommended, staff, manager):
    """A case at E2 and an L2 warning on its account carried out an hour after its spam."""
    case = factories.case_from_reports()
    sanction = factories.propose(case, staff, level="L2")
    factories.walk(sanction, factories.PATHS[State.CARRIED_OUT], desk=staff, decider=manager)
    Sanction.objects.filter(pk=sanction.pk).update(carried_out_at=HANDOVER + timedelta(hours=1))
    return case


def test_a_warning_with_no_spam_after_it_is_not_yet_went_on_after_a_warning(warned):
    case = Case.objects.get(pk=warned.pk)
    assert case.last_seen < HANDOVER + timedelta(hours=1)
    assert case_facts(case).warned_before is False


def test_spam_after_the_warning_is(warned):
    raw = factories.spam(factories.STATIC_IP, HANDOVER + timedelta(hours=2))
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:carol@third.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    case = Case.objects.get(pk=warned.pk)
    assert report.case_id == case.pk and case.last_seen > HANDOVER + timedelta(hours=1)
    assert case_facts(case).warned_before is True


@pytest.fixture
def rejected_on_review(isp, recommended, staff, manager):
    """An emergency measure on the case's account, carried out an hour after its spam,
    rejected by the manager's review (which lifts it), and spam after it."""
    case = factories.case_from_reports()
    sanction = factories.propose(case, staff, emergency=True)
    factories.walk(sanction, factories.EMERGENCY_PATHS[State.CARRIED_OUT], desk=staff, decider=manager)
    sanction = sanction_transition(
        sanction_id=sanction.pk,
        to_state=State.REJECTED,
        actor=manager,
        reason="review: not justified, the customer was not the sender",
    )
    assert sanction.state == State.LIFTED
    Sanction.objects.filter(pk=sanction.pk).update(carried_out_at=HANDOVER + timedelta(hours=1))
    raw = factories.spam(factories.STATIC_IP, HANDOVER + timedelta(hours=2))
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:carol@third.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    return Case.objects.get(pk=case.pk)


def test_a_measure_rejected_on_review_is_no_documented_warning(rejected_on_review):
    """It was never a valid measure: no E4 'went on after a documented warning', and no
    earlier measure for rule 14."""
    facts = case_facts(rejected_on_review)
    assert facts.warned_before is False
    assert facts.prior_measures == ()


def test_nor_in_the_bulk_reading(rejected_on_review):
    """The re-evaluation of many cases reads the earlier measures in bulk (cases_inventory)."""
    inventory = cases_inventory([rejected_on_review], {})[rejected_on_review.pk]
    assert inventory.prior == [] and inventory.warnings == []


def test_a_measure_upheld_on_review_and_lifted_later_still_counts(isp, recommended, staff, manager):
    case = factories.case_from_reports()
    sanction = factories.propose(case, staff, emergency=True)
    factories.walk(sanction, factories.EMERGENCY_PATHS[State.NOTIFIED], desk=staff, decider=manager)
    sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="review: ok")
    sanction = sanction_transition(
        sanction_id=sanction.pk, to_state=State.LIFTED, actor=manager, reason="cured"
    )
    assert sanction.state == State.LIFTED
    Sanction.objects.filter(pk=sanction.pk).update(carried_out_at=HANDOVER + timedelta(hours=1))
    raw = factories.spam(factories.STATIC_IP, HANDOVER + timedelta(hours=2))
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:carol@third.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    case = Case.objects.get(pk=case.pk)
    assert case_facts(case).warned_before is True
    assert len(cases_inventory([case], {})[case.pk].prior) == 1
