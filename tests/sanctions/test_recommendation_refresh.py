from datetime import timedelta

import pytest

from complaints.attribution.services import report_attribute
from complaints.models import Case
from complaints.services import report_ingest
from sanctions.services.recommend import refresh_stale_recommendations
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct, message

pytestmark = pytest.mark.django_db


def test_open_cases_get_an_evidence_level_and_a_recommendation_and_follow_changes(isp, staff_client):
    for i in range(3):
        report = report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER + timedelta(hours=i))]),
            channel="mailbox",
            reporter_key=f"email:r{i}@x.example",
            acknowledge=False,
        ).report
        report_attribute(report_id=report.pk)
    assert refresh_stale_recommendations() == 1
    case = Case.objects.get()
    assert case.evidence_level in ("E1", "E2")
    assert case.recommended_level
    assert case.recommendation["criteria_version"] >= 1
    assert refresh_stale_recommendations() == 0  # nothing changed
    queue = staff_client.get(f"/cases/?evidence_level={case.evidence_level}")
    assert [c.pk for c in queue.context["page"]] == [case.pk]
    # Staff activity alone changes nothing the criteria read ...
    Case.objects.filter(pk=case.pk).update(last_activity_at=case.recommended_at + timedelta(seconds=1))
    assert refresh_stale_recommendations() == 0
    # ... a change to the facts does (a follow-up lost on the way is caught here).
    Case.objects.filter(pk=case.pk).update(facts_changed_at=case.recommended_at + timedelta(seconds=1))
    assert refresh_stale_recommendations() == 1


def test_a_rule_edit_makes_every_open_case_re_evaluated(isp, manager):
    from policies.services import criteria_edit

    report = report_ingest(
        raw=message([direct("203.0.113.5", HANDOVER)]),
        channel="mailbox",
        reporter_key="email:r@x.example",
        acknowledge=False,
    ).report
    report_attribute(report_id=report.pk)
    refresh_stale_recommendations()
    before = Case.objects.get().recommendation["criteria_version"]
    criteria_edit(user=manager, note="stricter window", rules={"3": {"window_days": 14}})
    assert refresh_stale_recommendations() == 1
    assert Case.objects.get().recommendation["criteria_version"] == before + 1


def test_the_case_page_shows_the_subscribers_history(isp, staff_client):
    report = report_ingest(
        raw=message([direct("203.0.113.5", HANDOVER)]),
        channel="mailbox",
        reporter_key="email:r@x.example",
        acknowledge=False,
    ).report
    report_attribute(report_id=report.pk)
    page = staff_client.get(f"/cases/{report.case_id}/").content.decode()
    assert (
        "The subscriber&#x27;s history of measures" in page or "The subscriber's history of measures" in page
    )
    assert "No earlier measures on this subscriber" in page


@pytest.mark.django_db(transaction=True)
def test_under_make_run_settings_a_case_is_evaluated_as_soon_as_it_is_filed_and_changed(isp, staff):
    """`make run`: SQLite, no broker, tasks eager in the web process, real commits.

    Nothing periodic runs there, so the level and the recommendation must follow the
    commit that changed the case (they used to wait for a beat task that never ran).
    """
    from abusedesk.celery import app
    from complaints.services.confirmations import case_confirm

    assert app.conf.task_always_eager
    for n in range(3):
        report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER + timedelta(minutes=n), helo="mail.customer.example")]),
            channel="mailbox",
            reporter_key=f"email:r{n}@x.example",
            acknowledge=False,
        )
    case = Case.objects.get()
    assert case.sending_method == "self_operated_server"
    assert case.evidence_level == "E2"
    assert case.recommended_level == "L3"  # rule 3: withdraw the static line's port-25 exemption
    assert case.recommended_at >= case.facts_changed_at
    case_confirm(case=case, kind="compromise", statement="The customer found malware on the server.", actor=staff)
    case.refresh_from_db()
    assert case.sending_method == "hijacked_host"
    assert case.recommendation["culpability"] == "victim"
    assert case.recommended_level == "L1"
    assert refresh_stale_recommendations() == 0  # nothing was left for the sweep
