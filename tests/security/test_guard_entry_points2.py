"""More doors around the guards: what tests/security/test_guard_entry_points.py does not reach.

- A decision (or an emergency step) is taken on the measure the person read: a page or
  an API client that read it before it was sent back, revised and resubmitted is refused
  (the `revision` the page and the API show, services.transition.sanction_revision).
- An emergency measure whose step was taken is not sent back to be rewritten under that
  step, and sending an emergency proposal back is not its review (checks.py, point 8).
- Who may decide (users, their roles, the roles' permissions), changed in the admin or
  by `manage.py create_user`, is on the sealed audit trail.

Each test reads the database after the door answered: a guard holds when nothing
changed, never only because of the status code.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from abusedesk.services import api_token_create
from sanctions.choices import State
from sanctions.models import Sanction
from sanctions.services import sanction_revise, sanction_transition
from tests.sanctions import factories

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")


def _sent_back_and_raised(sanction, case, *, proposer, reviewer) -> None:
    """While a manager reads the L3 proposal, another sends it back and the proposer
    resubmits it as an L6 (suspend the connection): the same state, another measure."""
    sanction_transition(
        sanction_id=sanction.pk, to_state=State.MORE_EVIDENCE, actor=reviewer, reason="Which reports?"
    )
    sanction_revise(
        sanction_id=sanction.pk,
        actor=proposer,
        reason="Cut the line instead.",
        level="L6",
        justification="Three reporters; the customer keeps sending. Suspend the connection.",
        clauses=["C-03a", "C-08"],
        legal_basis="legitimate_business_act",
        evidence_relied_on=factories.evidence_of(case),
        culpability="intentional",
    )


def _page_revision(page) -> str:
    return re.search(rb'name="revision" value="(\d+)"', page.content).group(1).decode()


def test_a_page_read_before_a_revision_does_not_approve_the_revised_measure(
    case, staff, manager, other_manager
):
    sanction = factories.propose(case, staff)
    browser = _browser(manager)
    seen = _page_revision(browser.get(f"/sanctions/{sanction.pk}/"))
    _sent_back_and_raised(sanction, case, proposer=staff, reviewer=other_manager)

    answer = browser.post(
        f"/sanctions/{sanction.pk}/transition/",
        {"to_state": State.APPROVED, "reason": "L3 is proportionate.", "revision": seen},
    )

    assert answer.status_code == 409
    assert Sanction.objects.get(pk=sanction.pk).state == State.PROPOSED
    assert "L3 is proportionate." in answer.content.decode()  # the comment is kept to send again
    fresh = _page_revision(answer)
    assert fresh != seen  # the page shows the revised measure, and decides on it now
    again = browser.post(
        f"/sanctions/{sanction.pk}/transition/",
        {"to_state": State.APPROVED, "reason": "L6 read and approved.", "revision": fresh},
    )
    assert again.status_code == 302
    assert Sanction.objects.get(pk=sanction.pk).state == State.APPROVED


def test_an_api_decision_on_a_stale_read_is_refused(case, staff, manager, other_manager):
    sanction = factories.propose(case, staff)
    api = _api(manager)
    seen = api.get(f"/api/v1/sanctions/{sanction.pk}/").json()["revision"]
    _sent_back_and_raised(sanction, case, proposer=staff, reviewer=other_manager)

    answer = api.post(
        f"/api/v1/sanctions/{sanction.pk}/transition/",
        {"to_state": State.APPROVED, "reason": "L3 is proportionate.", "seen_revision": seen},
        content_type="application/json",
    )

    assert answer.status_code == 409, answer.content
    assert Sanction.objects.get(pk=sanction.pk).state == State.PROPOSED
    current = api.get(f"/api/v1/sanctions/{sanction.pk}/").json()
    assert current["level"] == "L6" and current["revision"] != seen


def test_an_emergency_step_on_a_page_read_before_a_revision_is_refused(case, staff, other_staff, manager):
    from sanctions.models import Execution

    sanction = factories.propose(case, staff, emergency=True)
    browser = _browser(other_staff)
    seen = _page_revision(browser.get(f"/sanctions/{sanction.pk}/"))
    sanction_transition(
        sanction_id=sanction.pk, to_state=State.MORE_EVIDENCE, actor=manager, reason="Is it still going on?"
    )
    _revise_emergency(sanction, case, staff)

    answer = browser.post(
        f"/sanctions/{sanction.pk}/emergency/", {"reason": "Flood going on now.", "revision": seen}
    )

    assert answer.status_code == 409
    assert not Execution.objects.filter(sanction=sanction).exists()
    fresh = _page_revision(answer)
    assert fresh != seen
    again = browser.post(
        f"/sanctions/{sanction.pk}/emergency/", {"reason": "Flood going on now.", "revision": fresh}
    )
    assert again.status_code == 302
    assert Execution.objects.filter(sanction=sanction).exists()


def _revise_emergency(sanction, case, proposer) -> None:
    sanction_revise(
        sanction_id=sanction.pk,
        actor=proposer,
        reason="Block port 25 instead.",
        level="L3",
        justification="The flood goes on from the static line: block its port 25 now.",
        clauses=["C-03a", "C-07", "C-09"],
        legal_basis="emergency_necessity",
        evidence_relied_on=factories.evidence_of(case),
        culpability="intentional",
        restriction="port25_block",
    )


@pytest.mark.parametrize("door", ["service", "api", "browser"])
def test_an_emergency_in_progress_is_not_sent_back_to_be_rewritten_under_its_old_step(
    door, case, staff, other_staff, manager, other_manager
):
    """The step was taken on what the proposal said; an instruction waits for a person's
    confirmation. Sent back and revised, the old step would carry out a measure nobody
    stepped for, on an instruction that says something else. The reviewer approves it
    (it stays) or rejects it (it is undone); another measure is another proposal."""
    from abusedesk.errors import ApplicationError
    from sanctions.models import Execution

    sanction = factories.propose(case, staff, emergency=True)
    factories.emergency_step(sanction, other_staff)
    asked = {"to_state": State.MORE_EVIDENCE, "reason": "Is it still going on?"}
    if door == "service":
        with pytest.raises(ApplicationError):
            sanction_transition(sanction_id=sanction.pk, actor=manager, **asked)
    elif door == "api":
        answer = _api(manager).post(
            f"/api/v1/sanctions/{sanction.pk}/transition/", asked, content_type="application/json"
        )
        assert answer.status_code == 403
    else:
        page = _browser(manager).get(f"/sanctions/{sanction.pk}/")
        assert f'value="{State.MORE_EVIDENCE}"' not in page.content.decode()  # not offered
        answer = _browser(manager).post(f"/sanctions/{sanction.pk}/transition/", asked)
        assert answer.status_code == 403

    sanction.refresh_from_db()
    assert (sanction.state, sanction.reviewed_at) == (State.PROPOSED, None)
    # Its review is still to come, and both ways of it are open.
    sanction_transition(sanction_id=sanction.pk, to_state=State.REJECTED, actor=other_manager, reason="No.")
    assert Execution.objects.get(sanction=sanction, action="carry_out").status != "confirmed"


def test_sending_an_emergency_proposal_back_is_not_its_review(case, staff, other_staff, manager):
    """Before the step, "ask for more evidence" reviews nothing that was done: the revised
    measure, stepped and carried out afterwards, still waits for its review."""
    from sanctions.selectors import review_queue
    from sanctions.services import execution_confirm

    sanction = factories.propose(case, staff, emergency=True)
    sanction_transition(
        sanction_id=sanction.pk, to_state=State.MORE_EVIDENCE, actor=manager, reason="Which reports?"
    )
    _revise_emergency(sanction, case, staff)
    execution = factories.emergency_step(sanction, other_staff)
    execution_confirm(execution_id=execution.pk, actor=other_staff, note="Port 25 blocked at 14:05.")

    sanction.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT
    assert sanction.reviewed_at is None
    assert sanction in review_queue()


@pytest.fixture
def root(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.jp", "x")


def test_making_someone_a_manager_in_the_admin_is_in_the_audit_trail(root, staff):
    """Who may approve L4 and above is a manager: whoever made them one, and when, is on
    the sealed record, not only in the admin's own editable history."""
    from django.contrib.auth.models import Group

    from abusedesk.models import AuditEntry

    manager_group = Group.objects.get(name="manager")
    page = _browser(root).get(f"/admin/auth/user/{staff.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        groups=[g.pk for g in staff.groups.all()] + [manager_group.pk],
        user_permissions=[],
        is_active="on",
        is_staff="on",
        date_joined_0=staff.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=staff.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)

    answer = _browser(root).post(f"/admin/auth/user/{staff.pk}/change/", data)

    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    assert staff.groups.filter(name="manager").exists()
    entry = AuditEntry.objects.get(action="user.changed", object_id=str(staff.pk))
    assert entry.actor_name == "root"
    assert entry.data["changed"]["groups"]["added"] == ["manager"]
    assert entry.data["changed"]["groups"]["after"] == ["abuse_staff", "manager"]


def test_changing_what_a_role_may_do_in_the_admin_is_in_the_audit_trail(root):
    from django.contrib.auth.models import Group, Permission

    from abusedesk.models import AuditEntry

    staff_group = Group.objects.get(name="abuse_staff")
    review = Permission.objects.get(codename="review_measures", content_type__app_label="abusedesk")
    perms = list(staff_group.permissions.values_list("pk", flat=True)) + [review.pk]

    answer = _browser(root).post(
        f"/admin/auth/group/{staff_group.pk}/change/", {"name": "abuse_staff", "permissions": perms}
    )

    assert answer.status_code == 302
    entry = AuditEntry.objects.get(action="group.changed", object_id=str(staff_group.pk))
    assert entry.actor_name == "root"
    assert entry.data["changed"]["permissions"]["added"] == ["abusedesk.review_measures"]


def test_a_manager_created_by_the_command_is_in_the_audit_trail(db):
    from django.core.management import call_command

    from abusedesk.models import AuditEntry

    call_command("create_user", "yamada", "--role", "manager", "--password", "a long passphrase 4 managers")

    entry = AuditEntry.objects.get(action="user.created")
    assert entry.actor_name == "system"
    assert entry.data["changed"]["groups"]["added"] == ["manager"]
