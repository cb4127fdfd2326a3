"""The managers' queue and review page; decisions are POSTs with a required comment."""

import pytest
from django.test.utils import CaptureQueriesContext

from sanctions.choices import State

from . import factories

pytestmark = pytest.mark.django_db


def test_the_queue_lists_proposals_oldest_first(case, staff, manager_client):
    first, second = (factories.propose(case, staff, level=level) for level in factories.CONNECTION_LEVELS[:2])
    response = manager_client.get("/sanctions/review/")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index(first.reference) < text.index(second.reference)


def test_the_queue_is_paged_oldest_first(case, staff, manager_client, monkeypatch):
    from sanctions.views import review

    monkeypatch.setattr(review, "REVIEW_PAGE_SIZE", 2)
    first, second, third = (factories.propose(case, staff, level=level) for level in factories.CONNECTION_LEVELS[:3])
    text = manager_client.get("/sanctions/review/").content.decode()
    assert first.reference in text and second.reference in text and third.reference not in text
    assert "page=2" in text and "Page 1 of 2" in text
    text = manager_client.get("/sanctions/review/?page=2").content.decode()
    assert third.reference in text and first.reference not in text
    assert manager_client.get("/sanctions/review/?page=99").status_code == 200  # the last page


def test_the_queue_query_count_does_not_grow_with_its_length(case, staff, manager_client):
    from django.db import connection

    first, *more = factories.CONNECTION_LEVELS[:5]
    factories.propose(case, staff, level=first)
    with CaptureQueriesContext(connection) as one:
        manager_client.get("/sanctions/review/")
    for level in more:
        factories.propose(case, staff, level=level)
    with CaptureQueriesContext(connection) as five:
        manager_client.get("/sanctions/review/")
    assert len(five) == len(one)


def test_the_review_page_shows_the_dossier_beside_the_decisions(sanction, manager_client):
    text = manager_client.get(f"/sanctions/{sanction.pk}/").content.decode()
    assert "Approve" in text and "Reject" in text and "Ask for more evidence" in text
    assert "Comment (required)" in text and sanction.justification in text


def test_the_proposer_sees_no_decision_buttons(sanction, staff_client):
    text = staff_client.get(f"/sanctions/{sanction.pk}/").content.decode()
    assert "someone else decides" in text and 'value="approve"' not in text


def test_approving_from_the_page_needs_a_comment(sanction, manager_client):
    manager_client.post(f"/sanctions/{sanction.pk}/transition/", {"to_state": "approved", "reason": ""})
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED
    response = manager_client.post(
        f"/sanctions/{sanction.pk}/transition/", {"to_state": "approved", "reason": "Evidence holds."}
    )
    assert response.status_code == 302
    sanction.refresh_from_db()
    assert sanction.state == State.APPROVED and sanction.transitions.get().reason == "Evidence holds."


def test_state_changes_are_never_gets(sanction, manager_client):
    assert manager_client.get(f"/sanctions/{sanction.pk}/transition/").status_code == 405


@pytest.mark.parametrize("state", list(factories.PATHS))
def test_the_review_page_renders_in_every_state(
    state, sanction, staff, manager, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[state], desk=staff, decider=manager)
    response = manager_client.get(f"/sanctions/{sanction.pk}/")
    assert response.status_code == 200
    assert sanction.reference in response.content.decode()
