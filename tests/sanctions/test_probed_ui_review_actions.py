"""Probed: staff were shown Approve/Reject/Request-evidence on a proposal that needs a
manager's approval; pressing them only produced an error. The page offers only the
decisions the service would accept, and says why the others are withheld."""

import pytest

from sanctions.choices import State

from . import factories

pytestmark = pytest.mark.django_db
DECISIONS = ('value="approve"', 'value="reject"', 'value="request_evidence"')


@pytest.fixture
def manager_level(case, staff, recommended):
    recommended(level="L3", approval="manager")  # the criteria ask for a manager here
    return factories.propose(case, staff)


def test_staff_see_no_decisions_on_a_measure_that_needs_a_manager(manager_level, other_staff, client):
    client.force_login(other_staff)
    text = client.get(f"/sanctions/{manager_level.pk}/").content.decode()
    assert not any(button in text for button in DECISIONS)
    assert "This measure needs a manager&#x27;s approval." in text


def test_a_manager_who_did_not_propose_sees_them(manager_level, manager_client):
    text = manager_client.get(f"/sanctions/{manager_level.pk}/").content.decode()
    assert all(button in text for button in DECISIONS)
    assert "needs a manager" not in text


def test_staff_still_decide_a_staff_level_measure(sanction, other_staff, client):
    client.force_login(other_staff)
    text = client.get(f"/sanctions/{sanction.pk}/").content.decode()
    assert 'value="approve"' in text and sanction.state == State.PROPOSED


def test_the_proposer_sees_no_decisions_only_the_four_eyes_sentence(manager_level, staff_client):
    text = staff_client.get(f"/sanctions/{manager_level.pk}/").content.decode()
    assert not any(button in text for button in DECISIONS)
    assert "someone else decides on it" in text
