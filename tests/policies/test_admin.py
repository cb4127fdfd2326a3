"""Admin pages: versions are shown, never changed in place."""

import pytest
from django.urls import reverse

from policies.models import Clause, CriteriaSet

pytestmark = pytest.mark.django_db


def test_a_criteria_version_is_read_only_in_the_admin(manager_client):
    criteria = CriteriaSet.objects.get(version=1)
    url = reverse("admin:policies_criteriaset_change", args=[criteria.pk])
    response = manager_client.get(url)
    assert response.status_code == 200
    assert b'name="note"' not in response.content
    assert b"Our submission server" in response.content  # the rules inline
    manager_client.post(url, {"note": "rewritten"})
    assert CriteriaSet.objects.get(pk=criteria.pk).note == "Default set (POLICY.md)"


def test_changing_a_clause_in_the_admin_writes_a_new_version(manager_client):
    clause = Clause.objects.get(catalogue_id="C-19", version=1)
    url = reverse("admin:policies_clause_change", args=[clause.pk])
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(
        url,
        {
            "isp_number": "第30条",
            "title": clause.title,
            "title_ja": clause.title_ja,
            "text": clause.text,
            "effective_from": "2025-07-01",
            "note": "Our numbering",
        },
    )
    assert response.status_code == 302
    assert Clause.objects.get(pk=clause.pk).isp_number == ""
    assert Clause.objects.get(catalogue_id="C-19", version=2).isp_number == "第30条"


def test_a_clause_changed_in_the_admin_without_a_reason_is_refused(manager_client):
    clause = Clause.objects.get(catalogue_id="C-19", version=1)
    url = reverse("admin:policies_clause_change", args=[clause.pk])
    form = {
        "isp_number": "第30条",
        "title": clause.title,
        "title_ja": clause.title_ja,
        "text": clause.text,
        "effective_from": "2025-07-01",
        "note": "",
    }
    response = manager_client.post(url, form)
    assert response.status_code == 200  # the form again, with the field's error
    assert "note" in response.context["adminform"].form.errors
    assert not Clause.objects.filter(catalogue_id="C-19", version=2).exists()


def test_an_older_clause_version_is_read_only(manager_client, manager):
    from policies.services import clause_edit

    clause_edit(user=manager, catalogue_id="C-19", isp_number="第30条", note="x")
    old = Clause.objects.get(catalogue_id="C-19", version=1)
    response = manager_client.get(reverse("admin:policies_clause_change", args=[old.pk]))
    assert b'name="isp_number"' not in response.content


def test_staff_cannot_change_clauses_in_the_admin(staff_client):
    clause = Clause.objects.get(catalogue_id="C-19", version=1)
    response = staff_client.get(reverse("admin:policies_clause_change", args=[clause.pk]))
    assert response.status_code == 403
