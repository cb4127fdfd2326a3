"""Probed: a review period stored by an older criteria version (3,000,000,000 hours) made
"Confirm it was done" raise OverflowError and left the approved measure stuck."""

import pytest

from sanctions.choices import State
from sanctions.services import sanction_transition

from . import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", [3_000_000_000, 10**20])
def test_an_absurd_stored_review_period_does_not_stop_carrying_out(case, staff, manager, recommended, hours):
    recommended(review_within_hours=hours)
    sanction = factories.propose(case, staff)
    sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok")
    done = sanction_transition(
        sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="done"
    )
    assert done.state == State.CARRIED_OUT
    # The review date is capped at a year (the longest review the criteria may set).
    assert done.review_due_at is not None
    assert (done.review_due_at - done.carried_out_at).days <= 366


def test_an_absurd_stored_period_does_not_stop_carrying_out(case, staff, manager):
    sanction = factories.propose(case, staff)
    type(sanction).objects.filter(pk=sanction.pk).update(period_days=2_000_000_000)
    sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok")
    done = sanction_transition(
        sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="done"
    )
    assert done.state == State.CARRIED_OUT and done.ends_at is not None
    assert (done.ends_at - done.carried_out_at).days <= 3660
