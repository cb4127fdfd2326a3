"""Each guard of POLICY.md, through every door: the service, the API, the browser — and the
admin, the commands, bulk actions, tasks and the executor where they could reach it.

A guard holds when the door refuses and nothing changed in the database; so every
check here reads the database, never only the HTTP status. The doors are the
three `*_via` functions; each guard test runs once per door.

Guards and where else they are tested:
- L4+ needs a legal basis, a clause, E2+, a recorded culpability, a justification
  and a manager who is not the proposer (here; tests/sanctions/test_required_fields.py);
- never L7 unless intentional (here; a database constraint underneath);
- a closed case (not ours, joe job, duplicate) takes no measure and carries none out —
  also after a bulk close (here);
- four eyes on every decision (here; tests/sanctions/test_four_eyes.py);
- the emergency rule of sanctions/checks.py (here; tests/sanctions/test_emergency.py);
- the executor never carries out what was decided otherwise (tests/sanctions/test_executors.py);
- content (S1) only by a recorded action with a purpose, traffic data (S2) only
  within a case (test_secrecy.py).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from abusedesk.models import AuditEntry
from abusedesk.services import api_token_create
from complaints.models import Case
from sanctions.choices import State
from sanctions.models import Execution, Sanction
from subscribers.models import Account
from tests.sanctions import factories

pytestmark = pytest.mark.django_db

DOORS = ["service", "api", "browser"]


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def proposal(case, **overrides) -> dict:
    values = {
        "level": "L3",
        "justification": "Three reporters within a day from the static line.",
        "clauses": ["C-03a", "C-07"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
        "emergency": False,
    }
    return {**values, **overrides}


def propose_via(door: str, case, user, account: str = "C-3", **overrides) -> Sanction | None:
    """Propose on the account (C-3 unless told) through a door; the new Sanction, or None when refused."""
    fields = proposal(case, **overrides)
    before = set(Sanction.objects.values_list("pk", flat=True))
    if door == "service":
        from abusedesk.errors import ApplicationError

        try:
            factories.propose(case, user, account=Account.objects.get(account_id=account), **fields)
        except ApplicationError:
            pass
    elif door == "api":
        body = {**fields, "case": case.pk, "account": account}
        response = _api(user).post("/api/v1/sanctions/", body, content_type="application/json")
        assert response.status_code < 500
    else:
        body = {**fields, "account": Account.objects.get(account_id=account).pk}
        if not body.pop("emergency"):
            body.pop("emergency", None)
        else:
            body["emergency"] = "on"
        response = _browser(user).post(reverse("sanction-propose", args=[case.pk]), body)
        assert response.status_code < 500
    created = Sanction.objects.exclude(pk__in=before)
    return created.get() if created.exists() else None


def transition_via(door: str, sanction, user, to_state: str) -> str:
    """Ask for an edge through a door; the state the sanction is in afterwards."""
    if door == "service":
        from abusedesk.errors import ApplicationError
        from sanctions.services import sanction_transition

        try:
            sanction_transition(
                sanction_id=sanction.pk, to_state=to_state, actor=user, reason="through the door"
            )
        except ApplicationError:
            pass
    elif door == "api":
        response = _api(user).post(
            f"/api/v1/sanctions/{sanction.pk}/transition/",
            {"to_state": to_state, "reason": "through the door"},
            content_type="application/json",
        )
        assert response.status_code < 500
    else:
        # The page offers only the edges a person may take; a hand-made POST may ask for any.
        response = _browser(user).post(
            reverse("sanction-transition", args=[sanction.pk]),
            {"to_state": to_state, "reason": "through the door"},
        )
        # Taken: back to the page (302). Refused: the page again, with the reason and
        # the comment as typed, and the service's status (400, 403, 409).
        assert response.status_code in (302, 400, 403, 409)
    return Sanction.objects.get(pk=sanction.pk).state


def step_via(door: str, sanction, user) -> Execution | None:
    """The emergency step through a door; the carry-out Execution it made, or None."""
    if door == "service":
        from abusedesk.errors import ApplicationError
        from sanctions.services import sanction_emergency_execute

        try:
            sanction_emergency_execute(sanction_id=sanction.pk, actor=user, reason="flood going on now")
        except ApplicationError:
            pass
    elif door == "api":
        response = _api(user).post(
            f"/api/v1/sanctions/{sanction.pk}/emergency/",
            {"reason": "flood going on now"},
            "application/json",
        )
        assert response.status_code < 500
    else:
        response = _browser(user).post(
            reverse("sanction-emergency", args=[sanction.pk]), {"reason": "flood going on now"}
        )
        assert response.status_code in (302, 400, 403, 409)
    return Execution.objects.filter(sanction=sanction, action="carry_out").first()


def confirm_via(door: str, execution, user) -> bool:
    """Confirm an execution through a door; True when it is confirmed afterwards."""
    note = "rate cap set on C-3 at 10:02"
    if door == "service":
        from abusedesk.errors import ApplicationError
        from sanctions.services import execution_confirm

        try:
            execution_confirm(execution_id=execution.pk, actor=user, note=note)
        except ApplicationError:
            pass
    elif door == "api":
        url = f"/api/v1/sanctions/{execution.sanction_id}/executions/{execution.pk}/confirm/"
        assert _api(user).post(url, {"note": note}, "application/json").status_code < 500
    else:
        url = reverse("sanction-execution-confirm", args=[execution.sanction_id, execution.pk])
        assert _browser(user).post(url, {"note": note}).status_code in (302, 400, 403, 409)
    execution.refresh_from_db()
    return execution.status == "confirmed"


# -- L4 and above ------------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_l4_needs_evidence_e2(door, mail_case, staff, recommended):
    # L4 stops the outbound mail of a mail account: taro's M-1.
    recommended(level="L4", evidence_level="E1", approval="manager")
    assert propose_via(door, mail_case, staff, account=factories.MAIL_ACCOUNT, level="L4") is None
    recommended(level="L4", evidence_level="E2", approval="manager")
    assert propose_via(door, mail_case, staff, account=factories.MAIL_ACCOUNT, level="L4").level == "L4"


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(
    "missing",
    [
        {"culpability": ""},
        {"justification": "   "},
        {"clauses": []},
        {"legal_basis": ""},
        {"evidence_relied_on": []},
    ],
    ids=["culpability", "justification", "clauses", "legal_basis", "evidence"],
)
def test_l4_needs_every_required_field(door, missing, mail_case, staff, recommended):
    recommended(level="L4", approval="manager")
    assert propose_via(door, mail_case, staff, account=factories.MAIL_ACCOUNT, level="L4", **missing) is None
    assert not AuditEntry.objects.filter(action="sanction.proposed").exists()


@pytest.mark.parametrize("door", DOORS)
def test_l4_is_approved_only_by_a_manager_who_did_not_propose(
    door, mail_case, staff, other_staff, manager, suzuki, recommended
):
    recommended(level="L4", approval="manager")
    mail = factories.mail_account()
    sanction = factories.propose(mail_case, manager, level="L4", account=mail)
    assert transition_via(door, sanction, manager, State.APPROVED) == State.PROPOSED  # four eyes
    assert transition_via(door, sanction, staff, State.APPROVED) == State.PROPOSED  # not a manager
    assert not Execution.objects.exists()
    assert transition_via(door, sanction, suzuki, State.APPROVED) == State.APPROVED
    # Decided, so the same L4 on M-1 may be proposed again (one awaits a decision at a time).
    other = factories.propose(mail_case, staff, level="L4", account=mail)
    assert transition_via(door, other, other_staff, State.APPROVED) == State.PROPOSED  # not a manager
    assert not Execution.objects.filter(sanction=other).exists()


@pytest.fixture
def suzuki(other_manager):
    return other_manager


@pytest.mark.parametrize("door", DOORS)
def test_nobody_decides_on_their_own_proposal(door, case, staff, suzuki):
    sanction = factories.propose(case, staff)
    for to_state in (State.APPROVED, State.REJECTED, State.MORE_EVIDENCE):
        assert transition_via(door, sanction, staff, to_state) == State.PROPOSED
    assert not sanction.transitions.exists()


@pytest.mark.parametrize("door", DOORS)
def test_never_l7_for_a_victim_or_undetermined_case(door, case, staff, recommended):
    recommended(level="L7", approval="manager_legal")
    for culpability in ("victim", "undetermined"):
        assert propose_via(door, case, staff, level="L7", culpability=culpability) is None
    assert propose_via(door, case, staff, level="L7", culpability="intentional").level == "L7"


# -- closed cases, also after a bulk action ------------------------------------------------


def _close(case, staff):
    data = {"action": "close", "resolution": "no_action", "reason": "nothing more to do"}
    response = _browser(staff).post(reverse("case-action", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("closed", "no_action")


@pytest.mark.parametrize("door", DOORS)
def test_a_closed_case_takes_no_measure(door, case, staff, manager):
    pending = factories.propose(case, staff)
    _close(case, staff)
    assert propose_via(door, case, staff) is None
    assert transition_via(door, pending, manager, State.APPROVED) == State.PROPOSED
    assert not Execution.objects.exists()
    assert (
        transition_via(door, pending, manager, State.REJECTED) == State.REJECTED
    )  # closing the loop is fine


@pytest.mark.parametrize("door", DOORS)
def test_no_emergency_step_on_a_closed_case(door, case, staff):
    sanction = factories.propose(case, staff, emergency=True)
    _close(case, staff)
    assert step_via(door, sanction, staff) is None


# -- the emergency rule (C-09) --------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_no_emergency_where_the_criteria_allow_none(door, case, staff, recommended):
    # The probe: a victim case, L1 recommended, no emergency allowed; L7 asked as an emergency.
    recommended(level="L1", culpability="victim", emergency_allowed=False, rule="5")
    clauses = ["C-03a", "C-09"]
    assert (
        propose_via(door, case, staff, level="L7", culpability="intentional", clauses=clauses, emergency=True)
        is None
    )
    assert propose_via(door, case, staff, level="L1", clauses=clauses, emergency=True) is None
    assert propose_via(door, case, staff, level="L1", clauses=clauses).emergency is False  # the ordinary way


@pytest.mark.parametrize("door", DOORS)
def test_an_emergency_goes_no_higher_than_recommended_and_cites_c09(door, case, staff, recommended):
    recommended(level="L3", emergency_allowed=True)
    # L6 (suspending C-3) is above the recommended L3.
    assert propose_via(door, case, staff, level="L6", clauses=["C-03a", "C-09"], emergency=True) is None
    assert propose_via(door, case, staff, level="L3", clauses=["C-03a"], emergency=True) is None
    assert propose_via(door, case, staff, level="L3", clauses=["C-03a", "C-09"], emergency=True).emergency


@pytest.mark.parametrize("door", DOORS)
def test_an_emergency_is_not_carried_out_without_its_step(door, case, staff):
    sanction = factories.propose(case, staff, emergency=True)
    assert transition_via(door, sanction, staff, State.CARRIED_OUT) == State.PROPOSED
    assert not Execution.objects.exists()


@pytest.fixture
def emergency_l5(hosted_case, staff, recommended):
    # Rule 11: a compromised site used for phishing, the specific content disabled at once.
    recommended(level="L5", evidence_level="E3", emergency_allowed=True, approval="manager", rule="11")
    return factories.propose(hosted_case, staff, level="L5", emergency=True, **factories.hosted_content())


@pytest.mark.parametrize("door", DOORS)
def test_one_person_never_proposes_steps_and_confirms_an_l4_measure(door, emergency_l5, staff, other_staff):
    execution = step_via(door, emergency_l5, staff)
    assert execution is not None and execution.requested_by == staff
    assert confirm_via(door, execution, staff) is False
    assert Sanction.objects.get(pk=emergency_l5.pk).carried_out_at is None
    assert confirm_via(door, execution, other_staff) is True
    assert Sanction.objects.get(pk=emergency_l5.pk).state == State.CARRIED_OUT


@pytest.mark.parametrize("door", DOORS)
def test_the_review_of_an_emergency_is_by_a_manager_who_neither_proposed_nor_stepped(
    door, emergency_l5, staff, other_staff, manager, suzuki
):
    factories.emergency_step(emergency_l5, manager)
    factories.walk(emergency_l5, [(State.CARRIED_OUT, "desk")], desk=other_staff, decider=None)
    for who in (staff, other_staff, manager):
        transition_via(door, emergency_l5, who, State.APPROVED)
        assert Sanction.objects.get(pk=emergency_l5.pk).reviewed_at is None
    transition_via(door, emergency_l5, suzuki, State.APPROVED)
    reviewed = Sanction.objects.get(pk=emergency_l5.pk)
    assert reviewed.reviewed_at is not None and reviewed.decided_by == suzuki


# -- the other doors ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["sanction", "execution", "notice", "hearinganswer"])
def test_the_admin_is_no_door_around_the_guards(model, case, staff):
    sanction = factories.propose(case, staff)
    root = _browser(get_user_model().objects.create_superuser("root", "root@example.jp", "x"))
    assert root.get(reverse(f"admin:sanctions_{model}_add")).status_code == 403
    if model == "sanction":
        url = reverse("admin:sanctions_sanction_change", args=[sanction.pk])
        assert root.post(url, {"state": "carried_out", "level": "L7"}).status_code == 403
        deleted = root.post(reverse("admin:sanctions_sanction_delete", args=[sanction.pk]), {"post": "yes"})
        assert deleted.status_code == 403
    sanction.refresh_from_db()
    assert (sanction.state, sanction.level) == (State.PROPOSED, "L3")


def test_the_demo_command_goes_through_the_guards(case, staff):
    from tests.personas import make_user

    make_user("demo-staff", "staff")
    Case.objects.filter(pk=case.pk).update(recommended_level="L3")  # what the demo picks cases by
    _close(case, staff)
    err = StringIO()
    call_command("load_demo_measures", stdout=StringIO(), stderr=err)
    assert not Sanction.objects.exists()
    assert "The case is closed" in err.getvalue()


def test_every_accepted_step_is_in_the_audit_trail(emergency_l5, staff, other_staff, suzuki):
    execution = step_via("api", emergency_l5, staff)
    confirm_via("browser", execution, other_staff)
    transition_via("api", emergency_l5, suzuki, State.APPROVED)
    trail = list(
        AuditEntry.objects.filter(case_id=emergency_l5.case_id)
        .order_by("id")
        .values_list("action", "actor_name")
    )
    assert trail[-5:] == [
        ("sanction.proposed", "sato"),
        ("execution.carry_out.requested", "sato"),
        ("sanction.carry_out_emergency", "kato"),
        ("execution.carry_out.confirmed", "kato"),
        ("sanction.review_approve", "suzuki"),
    ]
