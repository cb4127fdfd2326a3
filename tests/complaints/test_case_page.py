"""The case page: the timeline from the audit trail, the actions on one case, and
what is offered (reply only with complainants, forward only when it is not ours)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abusedesk.models import AuditEntry
from complaints.choices import CaseStatus
from complaints.models import Case, Evidence
from complaints.services import report_ingest
from complaints.services.triage import case_close
from sanctions.choices import State
from tests.attribution.conftest import isp  # noqa: F401  (fixture: a small ISP's inventory)
from tests.complaints.samples import spam
from tests.sanctions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(isp):  # noqa: F811
    """A case on our static line C-3: three complainants, attributed, at E2."""
    return factories.case_from_reports()


def not_ours_case(n: int = 1, ip: str = "192.0.2.200") -> Case:
    report = None
    for i in range(n):
        raw = spam(origin_ip=ip, at=factories.HANDOVER, message_id=f"<x{ip}-{i}@pc.invalid>")
        report = report_ingest(raw=raw, channel="mailbox", reporter_key=f"email:r{i}@rx.example").report
    return Case.objects.get(pk=report.case_id)


def page(client, case):
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response


def act(client, case, **data):
    return client.post(f"/cases/{case.pk}/action/", data, follow=True)


def timeline_actions(response) -> list[str]:
    return [entry.action for entry in response.context["timeline"]]


def test_the_timeline_tells_what_happened_newest_first_with_who(ours, staff, staff_client, manager):
    sanction = factories.propose(ours, staff)
    factories.walk(sanction, factories.PATHS[State.APPROVED], desk=staff, decider=manager)
    act(staff_client, ours, action="assign_me")
    act(staff_client, ours, action="close", resolution="no_action", reason="customer fixed it")
    act(staff_client, ours, action="reopen", reason="it started again")
    response = page(staff_client, ours)
    actions = timeline_actions(response)
    assert actions[:3] == ["case.reopened", "case.closed", "case.assigned"]
    assert (
        actions.index("sanction.approve") < actions.index("sanction.proposed") < actions.index("case.opened")
    )
    assert actions[-1] == "case.opened"
    ats = [entry.at for entry in response.context["timeline"]]
    assert ats == sorted(ats, reverse=True)
    text = response.content.decode()
    for sentence in (
        "Reopened.",
        "Closed: No action needed.",
        f"Assigned to {staff.username}.",
        "Approve: the measure is now Approved.",
        "Measure proposed: L3 targeted technical restriction on C-3.",
        sanction.reference,
        "Report received and added to the case:",
        "it started again",
        manager.username,
    ):
        assert sentence in text, sentence


def test_evidence_answers_appear_grouped(ours, staff_client):
    for zone, listed in (("zen.example", True), ("bl.example", False)):
        Evidence.objects.create(
            case=ours,
            subject="203.0.113.5",
            kind="dnsbl",
            query_name=f"5.113.0.203.{zone}",
            query_type="A",
            zone=zone,
            server="127.0.0.1:53",
            outcome="answer",
            listed=listed,
        )
    text = page(staff_client, ours).content.decode()
    assert "2 DNS answers recorded for 203.0.113.5. 1 blocklist lists it." in text


def test_the_timeline_costs_the_same_queries_for_a_small_and_a_big_case(ours, staff, staff_client, manager):
    small = not_ours_case(1)
    act(staff_client, small, action="assign_me")
    with CaptureQueriesContext(connection) as few:
        page(staff_client, small)
    big = not_ours_case(6, ip="192.0.2.210")
    for _ in range(3):
        act(staff_client, big, action="assign_me")
        act(staff_client, big, action="assign", assignee="")
    assert (
        AuditEntry.objects.filter(case_id=big.pk).count()
        > 2 * AuditEntry.objects.filter(case_id=small.pk).count()
    )
    with CaptureQueriesContext(connection) as many:
        page(staff_client, big)
    assert len(many) == len(few)


def test_assign_close_and_reopen_go_through_the_services_and_are_audited(ours, staff, staff_client):
    act(staff_client, ours, action="assign_me")
    ours.refresh_from_db()
    assert ours.assignee == staff and ours.first_action_at is not None
    response = act(staff_client, ours, action="close", resolution="duplicate", duplicate_of="")
    assert "name the case this one duplicates" in response.content.decode()
    response = act(staff_client, ours, action="close", resolution="duplicate", duplicate_of="99999")
    assert "there is no case 99999 to be a duplicate of" in response.content.decode()
    refused = act(staff_client, ours, action="close", resolution="joe_job", reason="forged")
    assert "The records do not show a joe job" in refused.content.decode()
    ours.refresh_from_db()
    assert ours.status == CaseStatus.OPEN  # a joe job is derived, never a person's say-so
    act(staff_client, ours, action="close", resolution="no_action", reason="fixed")
    ours.refresh_from_db()
    assert (ours.status, ours.resolution) == (CaseStatus.CLOSED, "no_action")
    act(staff_client, ours, action="reopen", reason="new reports")
    ours.refresh_from_db()
    assert (ours.status, ours.resolution, ours.closed_at) == (CaseStatus.OPEN, "", None)
    entry = AuditEntry.objects.get(action="case.reopened", case_id=ours.pk)
    assert (
        entry.actor == staff
        and entry.reason == "new reports"
        and entry.data == {"previous_resolution": "no_action"}
    )


def test_a_closing_needs_a_resolution(ours, staff_client):
    response = act(staff_client, ours, action="close")
    assert "Say how the case ends." in response.content.decode()
    assert Case.objects.get(pk=ours.pk).status == CaseStatus.OPEN


def test_reopening_is_refused_while_a_newer_case_is_open_for_the_same_resource(staff, staff_client):
    first = not_ours_case(1)
    case_close(case_ids=[first.pk], resolution="no_action", actor=staff, reason="customer fixed it")
    raw = spam(origin_ip="192.0.2.200", at=factories.HANDOVER, message_id="<later@pc.invalid>")
    newer = report_ingest(raw=raw, channel="mailbox", reporter_key="email:late@rx.example").report.case
    assert newer.pk != first.pk
    response = act(staff_client, first, action="reopen", reason="it started again")
    assert f"case {newer.pk} is open for the same resource" in response.content.decode()
    assert Case.objects.get(pk=first.pk).status == CaseStatus.CLOSED


def test_the_forward_block_is_offered_only_when_the_case_is_not_ours(ours, staff_client):
    mine = page(staff_client, ours).content.decode()
    assert f'action="/cases/{ours.pk}/forward/"' not in mine
    assert 'name="action" value="not_ours"' not in mine
    other = not_ours_case(1)
    theirs = page(staff_client, other).content.decode()
    assert f'action="/cases/{other.pk}/forward/"' in theirs
    assert 'name="action" value="not_ours"' in theirs


def test_the_reply_form_needs_a_complainant_with_an_address(staff_client):
    raw = spam(origin_ip="192.0.2.201", at=factories.HANDOVER)
    case = report_ingest(raw=raw, channel="api", reporter_key="partner:x", acknowledge=False).report.case
    text = page(staff_client, case).content.decode()
    assert f'action="/cases/{case.pk}/reply/"' not in text
    assert "there is nobody to reply to" in text


def test_counts_read_as_plurals(staff_client):
    one = page(staff_client, not_ours_case(1)).content.decode()
    assert "1 report" in one and "from 1 reporter" in one and "1 reports" not in one


def test_outsiders_and_partners_cannot_act(ours, client, partner):
    client.force_login(partner[0].user)
    assert client.post(f"/cases/{ours.pk}/action/", {"action": "assign_me"}).status_code == 403
    assert Case.objects.get(pk=ours.pk).assignee is None


def test_the_reports_table_shows_each_reports_accounts(ours, staff_client):
    """The table reads only each attribution's accounts, not the whole attribution."""
    from complaints.models import Report

    expected = {tuple(r.attribution["accounts"]) for r in Report.objects.filter(case=ours)}
    assert expected and all(expected)
    rows = page(staff_client, ours).context["reports"]
    assert {tuple(r.accounts) for r in rows} == expected
    html = page(staff_client, ours).content.decode()
    for accounts in expected:
        assert f'<td class="mono">{", ".join(accounts)}</td></tr>' in html
