"""Clause edits write a new clause version; lookups find the version in force."""

import datetime

import pytest

from abusedesk.errors import ApplicationError
from abusedesk.models import AuditEntry
from policies.models import Clause
from policies.selectors import clause_lookup
from policies.services import clause_edit

pytestmark = pytest.mark.django_db


def test_a_clause_edit_writes_version_2_and_keeps_version_1(manager):
    created = clause_edit(user=manager, catalogue_id="C-08", isp_number="第12条第1項", note="Our numbering")
    assert (created.version, created.isp_number, created.title) == (2, "第12条第1項", "Suspension")
    first = Clause.objects.get(catalogue_id="C-08", version=1)
    assert first.isp_number == "" and first.title == "Suspension"


def test_a_clause_edit_is_audited(manager):
    clause_edit(user=manager, catalogue_id="C-08", isp_number="第12条", note="Our numbering")
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.data["kind"] == "clause"
    assert (entry.data["catalogue_id"], entry.data["from_version"], entry.data["to_version"]) == (
        "C-08",
        1,
        2,
    )
    assert entry.data["changes"]["isp_number"] == ["", "第12条"]


def test_lookup_returns_the_version_in_force_in_the_order_asked(manager):
    clause_edit(
        user=manager,
        catalogue_id="C-03a",
        isp_number="第8条第1号",
        note="New terms",
        effective_from=datetime.date(2025, 4, 1),
    )
    found = clause_lookup(["C-08", "C-03a", "C-99"], on=datetime.date(2025, 5, 1))
    assert [(c.catalogue_id, c.version) for c in found] == [("C-08", 1), ("C-03a", 2)]
    earlier = clause_lookup(["C-03a"], on=datetime.date(2025, 3, 1))
    assert earlier[0].version == 1


def test_an_unchanged_clause_is_not_a_new_version(manager):
    with pytest.raises(ApplicationError, match="Nothing changed"):
        clause_edit(user=manager, catalogue_id="C-08", title="Suspension", note="same")
