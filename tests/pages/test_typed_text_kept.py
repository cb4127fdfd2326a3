"""A form on the case, report or measure page that is refused (by the form or by the
service) shows the page again with the reason AND what the person typed, with a 4xx
status: before, it redirected and the comment, note or answer was lost."""

from __future__ import annotations

import html

import pytest

from complaints.models import Forward
from complaints.services.triage import case_close
from sanctions.choices import State
from sanctions.services import sanction_transition
from tests.attribution import conftest as attribution
from tests.attribution.test_forwarding import foreign_case
from tests.sanctions import conftest as sanctions_fixtures
from tests.sanctions import factories

pytestmark = pytest.mark.django_db
# The sanctions tests' fixtures: the small ISP, a case about C-3, the criteria stood in for.
isp, case = attribution.isp, sanctions_fixtures.case
other_staff, recommended = sanctions_fixtures.other_staff, sanctions_fixtures.recommended

TYPED = "Checked the session log twice: the static line was C-3's at every report time."


def shown(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_refused_decision_keeps_the_comment_in_its_form(case, staff, manager, manager_client):
    sanction = factories.propose(case, staff)
    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="nothing to act on")
    response = manager_client.post(
        f"/sanctions/{sanction.pk}/transition/", {"to_state": State.APPROVED, "reason": TYPED}
    )
    assert response.status_code == 409
    assert any("case is closed" in m for m in flash(response))
    text = shown(response)
    assert f"{TYPED}</textarea>" in text  # in the Approve form, ready to send again


def test_a_decision_someone_else_took_first_shows_the_comment_to_copy(
    case,
    staff,
    manager,
    other_manager,
    manager_client,
):
    sanction = factories.propose(case, staff)
    sanction_transition(sanction_id=sanction.pk, to_state=State.REJECTED, actor=other_manager, reason="no")
    response = manager_client.post(
        f"/sanctions/{sanction.pk}/transition/", {"to_state": State.MORE_EVIDENCE, "reason": TYPED}
    )
    assert response.status_code == 409
    assert any("Already decided" in m for m in flash(response))
    assert "Your comment was not recorded" in shown(response) and TYPED in shown(response)


def test_a_refused_hearing_answer_keeps_the_answer(case, staff, manager, staff_client):
    sanction = factories.walk(
        factories.propose(case, staff), factories.PATHS[State.NOTIFIED], desk=staff, decider=manager
    )
    answer = "The customer says the server was an open relay; it is closed now."
    response = staff_client.post(
        f"/sanctions/{sanction.pk}/hearing-answers/",
        {"received_at": "yesterday at noon", "channel": "email", "text": answer},
    )
    assert response.status_code == 400
    text = shown(response)
    assert f"{answer}</textarea>" in text and 'value="yesterday at noon"' in text
    assert not sanction.hearing_answers.exists()


def test_a_refused_emergency_step_keeps_the_reason(case, staff, other_staff, staff_client):
    sanction = factories.propose(case, other_staff, emergency=True)
    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="nothing to act on")
    response = staff_client.post(f"/sanctions/{sanction.pk}/emergency/", {"reason": TYPED})
    assert response.status_code == 409
    assert f"{TYPED}</textarea>" in shown(response)


def test_a_refused_confirmation_keeps_the_note(case, staff, manager, staff_client):
    sanction = factories.propose(case, staff)
    sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok")
    execution = sanction.executions.get()
    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="joe job after all")
    response = staff_client.post(
        f"/sanctions/{sanction.pk}/executions/{execution.pk}/confirm/", {"note": TYPED}
    )
    assert response.status_code == 409
    assert f"{TYPED}</textarea>" in shown(response)


def test_a_refused_forward_keeps_the_note_and_the_address(isp, staff_client):
    foreign = foreign_case()
    sent = {"format": "arf", "to": "abuse@bulk-hoster.example", "reason": "first forward"}
    assert staff_client.post(f"/cases/{foreign.pk}/forward/", sent).status_code == 302
    again = {**sent, "reason": "Second try: their abuse desk asked for the report again."}
    response = staff_client.post(f"/cases/{foreign.pk}/forward/", again)
    assert response.status_code == 400
    assert any("not sent twice" in m for m in flash(response))
    text = shown(response)
    assert 'value="Second try: their abuse desk asked for the report again."' in text
    assert 'value="abuse@bulk-hoster.example"' in text
    assert Forward.objects.filter(case=foreign).count() == 1
    # The form's own check, too: a malformed address.
    response = staff_client.post(f"/cases/{foreign.pk}/forward/", {**again, "to": "abuse at bulk-hoster"})
    assert response.status_code == 400 and 'value="abuse at bulk-hoster"' in shown(response)


def test_a_refused_reply_keeps_the_note(case, staff_client):
    note = "We found the line and are acting on it; thank you for the report."
    sent = {"template": "investigating", "note": note}
    assert staff_client.post(f"/cases/{case.pk}/reply/", sent).status_code == 302
    response = staff_client.post(f"/cases/{case.pk}/reply/", sent)  # the same reply again
    assert response.status_code == 400
    assert f"{note}</textarea>" in shown(response)


def test_a_refused_confirmation_statement_is_kept(case, staff_client):
    statement = "The customer phoned at 10:05 and said the PC had malware; checked the ticket."
    response = staff_client.post(f"/cases/{case.pk}/confirm/", {"kind": "made-up", "statement": statement})
    assert response.status_code == 400
    text = shown(response)
    assert f"{statement}</textarea>" in text and '<details class="confirm" open>' in text


def test_a_refused_close_keeps_the_note_and_the_choice(case, staff_client):
    sent = {"action": "close", "resolution": "duplicate", "reason": "Same run as the case of yesterday."}
    response = staff_client.post(f"/cases/{case.pk}/action/", sent)  # no case named as the original
    assert response.status_code == 400
    text = shown(response)
    assert 'value="Same run as the case of yesterday."' in text
    assert '<option value="duplicate" selected>' in text


def test_a_refused_content_request_keeps_the_purpose(case, staff_client):
    report = case.reports.first()
    response = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "why"})
    assert response.status_code == 400
    assert 'value="why"' in shown(response)
