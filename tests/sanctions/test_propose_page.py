"""Staff propose from a case: the recommendation and why, the history, the form."""

from datetime import timedelta

import pytest

from sanctions.choices import State
from sanctions.facts import case_facts
from sanctions.models import Sanction
from subscribers.models import Account
from tests.attribution.conftest import HANDOVER

from . import factories

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_recommendation_and_its_reasons(case, staff_client):
    response = staff_client.get(f"/sanctions/cases/{case.pk}/propose/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "criteria version 1" in text and "E3" in text and "intentional" in text
    assert "Rule 3 matches." in text  # the reason as a sentence
    assert 'value="C-03a"' in text  # clauses as checkboxes of the versions in force
    assert f'value="report:{case.reports.first().pk}"' in text  # evidence as checkboxes


def test_a_proposal_from_the_form_records_the_recommendation_beside_the_choice(
    case, staff, staff_client, recommended
):
    recommended(level="L2", approval="staff")
    form = {
        "level": "L3",
        "account": Account.objects.get(account_id="C-3").pk,
        "justification": "Direct-to-MX spam from the static line.",
        "clauses": ["C-03a", "C-07"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
    }
    response = staff_client.post(f"/sanctions/cases/{case.pk}/propose/", form)
    sanction = Sanction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sanctions/{sanction.pk}/"
    assert (sanction.level, sanction.recommended_level, sanction.criteria_version) == ("L3", "L2", 1)
    assert sanction.recommendation["level"] == "L2" and sanction.proposed_by == staff
    assert [c["version"] for c in sanction.clauses] == [1, 1]


def test_the_subscribers_history_is_shown_and_feeds_the_criteria(
    isp, recommended, staff, manager, staff_client
):
    first = factories.case_from_reports(at=HANDOVER)
    earlier = factories.propose(first, staff, level="L3")
    factories.walk(earlier, factories.PATHS[State.CARRIED_OUT], desk=staff, decider=manager)
    first.status = "closed"
    first.save(update_fields=["status"])
    Sanction.objects.filter(pk=earlier.pk).update(carried_out_at=HANDOVER + timedelta(hours=1))
    # The spam went on after the measure: a day later, in a case of its own.
    second = factories.case_from_reports(
        at=HANDOVER + timedelta(days=1), reporters=["email:carol@third.example"]
    )
    assert second.pk != first.pk

    response = staff_client.get(f"/sanctions/cases/{second.pk}/propose/")
    assert earlier.reference in response.content.decode()
    facts = case_facts(second)
    assert [(p.level, p.intentional) for p in facts.prior_measures] == [("L3", True)]
    assert facts.warned_before


def test_the_real_criteria_recommend_for_a_case(isp, staff):
    """Without a stand-in: the policies app's default set evaluates the case."""
    from sanctions import policy

    case = factories.case_from_reports()
    recommendation = policy.recommend(case_facts(case))
    assert recommendation.criteria_version >= 1
    assert recommendation.evidence_level in ("E1", "E2", "E3", "E4")
