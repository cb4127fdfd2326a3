"""The data migration seeds the catalogue and criteria version 1 from POLICY.md."""

import pytest
from django.db import IntegrityError, transaction

from policies.defaults import seed_defaults
from policies.models import Clause, CriteriaSet, Rule
from policies.selectors import active_criteria, criteria_snapshot

from .factories import default_snapshot

pytestmark = pytest.mark.django_db

SUB_ITEMS = [f"C-03{letter}" for letter in "abcdefg"]


def test_the_catalogue_has_c01_to_c19_and_c03_a_to_g():
    ids = set(Clause.objects.values_list("catalogue_id", flat=True))
    assert {f"C-{n:02d}" for n in range(1, 20)} <= ids
    assert set(SUB_ITEMS) <= ids
    assert len(ids) == 19 + 7
    assert Clause.objects.get(catalogue_id="C-03b").title == "Forged sender information"


def test_version_1_is_active_with_the_14_default_rules():
    criteria = active_criteria()
    assert criteria.version == 1
    assert sorted(criteria.rules.values_list("key", flat=True), key=int) == [str(n) for n in range(1, 15)]


def test_the_seeded_rules_are_the_defaults():
    assert criteria_snapshot(active_criteria()).rules == default_snapshot().rules


def test_seeding_again_changes_nothing():
    seed_defaults(Clause, CriteriaSet, Rule)
    assert CriteriaSet.objects.count() == 1
    assert Clause.objects.count() == 26


def test_only_one_criteria_set_can_be_active():
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSet.objects.create(version=99, is_active=True)
