"""In Chromium: a refused decision keeps the comment typed; the proposer revises a proposal
sent back for more evidence and resubmits it; a case of ours that rule 9 forwards shows
the forward with the relaying provider's contact and sends it."""

from __future__ import annotations

import pytest

from complaints.models import Forward
from complaints.services.triage import case_close
from sanctions.choices import State
from sanctions.models import Sanction
from sanctions.services import sanction_transition
from tests.attribution import conftest as attribution
from tests.sanctions import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("isp")]
isp = attribution.isp

COMMENT = "Approved after reading the three reports and the session log entries."


def test_a_refused_decision_keeps_the_comment(page_as, staff, manager, live_server):
    sanction = factories.propose(factories.case_from_reports(), staff)
    page = page_as(manager)
    page.goto(f"{live_server.url}/sanctions/{sanction.pk}/")
    case_close(case_ids=[sanction.case_id], resolution="no_action", actor=staff, reason="closed meanwhile")
    form = page.locator("form.transition", has=page.locator("button[value=approve]"))
    form.locator("textarea[name=reason]").fill(COMMENT)
    with page.expect_navigation() as navigation:
        form.locator("button[value=approve]").click()
    assert navigation.value.status == 409
    assert "case is closed" in page.locator("ul.messages").inner_text()
    again = page.locator("form.transition", has=page.locator("button[value=approve]"))
    assert again.locator("textarea[name=reason]").input_value() == COMMENT


def test_the_proposer_revises_a_returned_proposal(page_as, staff, manager, live_server):
    case = factories.case_from_reports()
    first = case.reports.order_by("pk").first()
    sanction = factories.propose(case, staff, evidence_relied_on=[f"report:{first.pk}"])
    sanction_transition(
        sanction_id=sanction.pk,
        to_state=State.MORE_EVIDENCE,
        actor=manager,
        reason="Rely on all three reports.",
    )
    page = page_as(staff)
    page.goto(f"{live_server.url}/sanctions/{sanction.pk}/")
    page.click("text=Revise the proposal")
    assert "Rely on all three reports." in page.inner_text("main")
    for box in page.locator('input[name=evidence_relied_on][value^="report:"]').all():
        box.check()
    page.fill("textarea[name=justification]", "")
    page.fill("textarea[name=reason]", "All three reports now.")
    with page.expect_navigation() as navigation:
        page.click("text=Resubmit for review")
    assert navigation.value.status == 400  # no justification: refused, the rest kept
    assert page.locator("textarea[name=reason]").input_value() == "All three reports now."
    page.fill("textarea[name=justification]", "Three reporters in a day; the session log names C-3.")
    with page.expect_navigation():
        page.click("text=Resubmit for review")
    assert page.url == f"{live_server.url}/sanctions/{sanction.pk}/"
    assert "revised and sent back for review" in page.locator("ul.messages").inner_text()
    assert "You proposed this measure: someone else decides on it." in page.inner_text("main")
    sanction = Sanction.objects.get(pk=sanction.pk)
    assert sanction.state == State.PROPOSED and len(sanction.evidence_relied_on) == 3


def test_rule_9_case_is_forwarded_from_its_page(page_as, staff, live_server):
    from tests.complaints.test_forward_relaying_network import rule_9_case

    case = rule_9_case()
    page = page_as(staff)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    forward = page.locator("section.forward")
    assert "abuse@other-isp.example" in forward.inner_text()
    assert forward.locator("input[name=to]").input_value() == "abuse@other-isp.example"
    forward.locator("input[name=reason]").fill("rule 9: the relaying ISP can name the mail account")
    with page.expect_navigation():
        forward.locator("button[type=submit]").click()
    assert "Forwarded to abuse@other-isp.example" in page.locator("ul.messages").inner_text()
    assert Forward.objects.filter(case=case, to="abuse@other-isp.example").exists()
