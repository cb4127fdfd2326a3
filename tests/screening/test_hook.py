"""The sanctions hook: an intentional L7 carried out is recorded; reversed, it is withdrawn."""

import pytest

from abusedesk.models import AuditEntry
from sanctions.choices import State
from sanctions.models import Sanction
from screening.choices import Channel, TerminationState, Verdict
from screening.models import Termination
from screening.services import screening_run
from subscribers.models import Account
from tests.sanctions import factories
from tests.sanctions.conftest import case, isp, other_staff, recommended  # noqa: F401 (fixtures)

from .conftest import applicant, identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(isp):  # noqa: F811
    subscriber = Account.objects.get(account_id="C-3").subscriber
    for field, value in identity().items():
        setattr(subscriber, field, value)
    subscriber.save()
    return subscriber


def _l7(case, staff, recommended, clauses=("C-03a", "C-10", "C-11"), **overrides):  # noqa: F811
    recommended(level="L7", approval="manager", clauses=("C-03a", "C-10", "C-11"))
    return factories.propose(case, staff, level="L7", clauses=list(clauses), **overrides)


def screen(staff):
    return screening_run(
        identifiers=applicant(), purpose="re-application", actor=staff, channel=Channel.BROWSER
    )


def test_an_l7_carried_out_is_recorded_and_screened_and_lifting_withdraws_it(
    case,  # noqa: F811
    customer,
    staff,
    manager,
    recommended,  # noqa: F811
):
    sanction = _l7(case, staff, recommended)
    factories.walk(sanction, [(State.APPROVED, "decider")], desk=staff, decider=manager)
    assert not Termination.objects.exists()  # approved is not carried out
    assert screen(staff).verdict == Verdict.NO_MATCH
    factories.walk(sanction, [(State.CARRIED_OUT, "desk")], desk=staff, decider=manager)
    termination = Termination.objects.get()
    assert (termination.sanction_id, termination.subscriber, termination.case_id) == (
        sanction.pk,
        customer,
        case.pk,
    )
    assert AuditEntry.objects.filter(action="screening.termination.recorded", case_id=case.pk).exists()
    hit = screen(staff).hits[0]
    assert (hit["verdict"], hit["reference"], hit["case"]) == (Verdict.MATCH, sanction.reference, case.pk)

    factories.walk(
        sanction, [(State.NOTIFIED, "desk"), (State.LIFTED, "decider")], desk=staff, decider=manager
    )
    termination.refresh_from_db()
    assert termination.state == TerminationState.WITHDRAWN and termination.withdrawn_at
    assert screen(staff).verdict == Verdict.NO_MATCH


def test_an_emergency_l7_counts_only_once_reviewed(
    case,  # noqa: F811
    customer,
    staff,
    other_staff,  # noqa: F811
    manager,
    recommended,  # noqa: F811
):
    # The emergency rule (sanctions/checks.py): the criteria allow it (the stand-in does),
    # it cites C-09, a recorded step comes first, and from L4 on a second person is involved.
    sanction = _l7(case, staff, recommended, emergency=True, clauses=["C-03a", "C-09", "C-10", "C-11"])
    factories.emergency_step(sanction, other_staff)
    factories.walk(sanction, [(State.CARRIED_OUT, "desk")], desk=staff, decider=manager)
    assert Sanction.objects.get(pk=sanction.pk).state == State.CARRIED_OUT
    assert not Termination.objects.exists()  # carried out, but nobody has reviewed it yet
    factories.walk(
        sanction, [(State.APPROVED, "decider")], desk=staff, decider=manager
    )  # the review (a manager who neither proposed nor stepped it) upholds it
    assert Termination.objects.get().state == TerminationState.ACTIVE


def test_measures_below_l7_are_never_recorded(case, customer, staff, manager, recommended):  # noqa: F811
    sanction = factories.propose(case, staff, level="L3")
    factories.walk(sanction, factories.PATHS[State.UPHELD], desk=staff, decider=manager)
    assert not Termination.objects.exists()
