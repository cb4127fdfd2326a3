"""The evaluation is a pure function: with a prebuilt snapshot it touches no database."""

import pytest

from policies.evaluation import evaluate
from policies.selectors import active_criteria, criteria_snapshot

from .factories import THREE_REPORTERS, mail_sending, prior, stolen_mail


@pytest.mark.django_db
def test_evaluate_makes_no_queries(django_assert_num_queries):
    snapshot = criteria_snapshot(active_criteria())
    cases = [
        mail_sending(),
        mail_sending(
            reports=THREE_REPORTERS, culpability="intentional", prior_measures=(prior("L4"), prior("L5"))
        ),
        stolen_mail(),
    ]
    with django_assert_num_queries(0):
        recs = [evaluate(f, snapshot) for f in cases]
    assert [r.level for r in recs] == ["L2", "L7", "L3"]


def test_the_same_facts_give_the_same_recommendation(snapshot):
    f = mail_sending(reports=THREE_REPORTERS)
    assert evaluate(f, snapshot) == evaluate(f, snapshot)
    assert evaluate(f, snapshot).to_dict()["criteria_version"] == 1


@pytest.mark.django_db
def test_the_snapshot_is_built_once_per_version(django_assert_num_queries):
    criteria = active_criteria()
    criteria_snapshot(criteria)
    with django_assert_num_queries(0):
        criteria_snapshot(criteria)
