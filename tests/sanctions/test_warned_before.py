"""E4 "went on after a documented warning" (POLICY.md) needs spam after the warning."""

from datetime import timedelta

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case
from complaints.services import report_ingest
from sanctions.choices import State
from sanctions.facts import case_facts
from sanctions.models import Sanction
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
