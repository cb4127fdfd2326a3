"""Matching quality on a generated population of 5,000 subscribers with near-duplicates.

The 100,000-subscriber run is bench/screening_match.py (same generator and
evaluation); this is its small version, fast enough for every run of the suite.
Positives are re-applications of terminated subscribers (other notations, moved,
a false name at the same flat, new contacts, only the name left); negatives are
other subscribers, namesakes, relatives at the same flat, and strangers.
"""

import pytest

from .population import evaluate, load, population

pytestmark = pytest.mark.django_db


def test_precision_and_recall_on_5000_subscribers(staff):
    people = population(5000)
    terminated = load(people)
    report = evaluate(people, terminated, staff)
    print("\nscreening on 5,000 subscribers:", report)
    assert report["positives"] == 100
    # A "match" is almost never another person: the sign-up staff can trust it.
    assert report["match_precision"] >= 0.97
    # Everything but the re-applicant who changed all but the name is flagged.
    assert report["flagged_recall"] >= 0.85
    assert set(report["misses"]) <= {"everything_new_but_name"}
    # Possible matches are mostly relatives and flatmates: advice, not accusations.
    assert report["flagged_precision"] >= 0.70
