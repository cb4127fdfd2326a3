"""Editing the criteria writes a new version; the old one stays as it was."""

import pytest

from abusedesk.errors import ApplicationError, Conflict
from abusedesk.models import AuditEntry
from policies.models import CriteriaSet, ImmutableVersion, Rule
from policies.selectors import active_criteria, recommend, rule_data
from policies.services import criteria_edit

from .factories import mail_sending, reports

pytestmark = pytest.mark.django_db


def version_rules(version):
    return {r.key: rule_data(r) for r in Rule.objects.filter(criteria_set__version=version)}


def test_an_edit_creates_version_2_and_activates_it(manager):
    created = criteria_edit(user=manager, note="Two reporters are enough", rules={"1": {"reporters_n": 2}})
    assert created.version == 2 and created.is_active
    assert active_criteria() == created
    assert not CriteriaSet.objects.get(version=1).is_active
    assert created.rules.count() == 14
    assert created.rules.get(key="1").reporters_n == 2
    assert created.created_by == manager


def test_version_1_rows_are_unchanged_after_an_edit(manager):
    before = version_rules(1)
    criteria_edit(user=manager, note="Tighter", rules={"1": {"reporters_n": 2, "window_days": 3}})
    assert version_rules(1) == before
    assert version_rules(2)["1"]["reporters_n"] == 2


def test_a_recommendation_after_an_edit_uses_and_names_version_2(manager):
    two_reporters = mail_sending(reports=reports(0, 1))
    assert (recommend(two_reporters).criteria_version, recommend(two_reporters).evidence_level) == (1, "E1")
    criteria_edit(user=manager, note="Two reporters are enough", rules={"1": {"reporters_n": 2}})
    rec = recommend(two_reporters)
    assert (rec.criteria_version, rec.evidence_level, rec.level) == (2, "E2", "L3")


def test_an_edit_is_audited_with_the_versions_and_what_changed(manager):
    criteria_edit(user=manager, note="Two reporters are enough", rules={"1": {"reporters_n": 2}})
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.actor == manager
    assert entry.reason == "Two reporters are enough"
    assert entry.data["kind"] == "criteria"
    assert (entry.data["from_version"], entry.data["to_version"]) == (1, 2)
    assert entry.data["rules"] == {"1": {"reporters_n": [3, 2]}}


def test_a_stored_version_refuses_to_be_saved_or_deleted():
    rule = Rule.objects.get(criteria_set__version=1, key="1")
    rule.reporters_n = 99
    with pytest.raises(ImmutableVersion):
        rule.save()
    with pytest.raises(ImmutableVersion):
        rule.delete()
    criteria = CriteriaSet.objects.get(version=1)
    criteria.note = "rewritten"
    with pytest.raises(ImmutableVersion):
        criteria.save()
    assert Rule.objects.get(pk=rule.pk).reporters_n == 3


def test_a_bad_ladder_is_refused_and_nothing_is_written(manager):
    with pytest.raises(ApplicationError, match="ladder"):
        criteria_edit(user=manager, note="oops", rules={"1": {"ladder": [{"level": "L9"}]}})
    with pytest.raises(ApplicationError, match="unknown key"):
        criteria_edit(user=manager, note="oops", rules={"1": {"ladder": [{"level": "L2", "typo": 1}]}})
    assert CriteriaSet.objects.count() == 1
    assert not AuditEntry.objects.filter(action="policy.edited").exists()


def test_an_unknown_clause_is_refused(manager):
    with pytest.raises(ApplicationError, match="C-99"):
        criteria_edit(user=manager, note="oops", rules={"1": {"clauses": ["C-99"]}})


def test_an_edit_needs_a_note_and_a_change(manager):
    with pytest.raises(ApplicationError):
        criteria_edit(user=manager, note=" ", rules={"1": {"reporters_n": 2}})
    with pytest.raises(ApplicationError, match="Nothing changed"):
        criteria_edit(user=manager, note="same", rules={"1": {"reporters_n": 3}})


def test_an_edit_based_on_an_old_version_is_a_conflict(manager, other_manager):
    criteria_edit(user=manager, note="first", rules={"1": {"reporters_n": 2}}, base_version=1)
    with pytest.raises(Conflict):
        criteria_edit(user=other_manager, note="second", rules={"1": {"reporters_n": 4}}, base_version=1)
    assert active_criteria().version == 2


def test_the_review_times_are_set_by_version(manager):
    created = criteria_edit(user=manager, note="Faster reviews", settings={"emergency_review_hours": 12})
    assert created.emergency_review_hours == 12
    assert CriteriaSet.objects.get(version=1).emergency_review_hours == 24


def test_a_rule_key_cannot_be_renamed(manager):
    with pytest.raises(ApplicationError):
        criteria_edit(user=manager, note="rename", rules={"1": {"key": "one"}})
