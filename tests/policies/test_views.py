"""The managers' policy pages."""

import pytest
from django.urls import reverse

from policies.models import Clause, CriteriaSet, Rule
from policies.selectors import active_criteria

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("policies-index"),
    reverse("policies-versions"),
    reverse("policies-version-detail", args=[1]),
    reverse("policies-rule-edit", args=["1"]),
    reverse("policies-clause-edit", args=["C-08"]),
]


def rule_post(rule, **changes):
    data = {
        "base_version": rule.criteria_set.version,
        "title": rule.title,
        "reporters_n": rule.reporters_n,
        "window_days": rule.window_days,
        "repeat_count": rule.repeat_count,
        "repeat_window_months": rule.repeat_window_months,
        "default_culpability": rule.default_culpability,
        "intentional_at": rule.intentional_at,
        "target": rule.target,
        "forward_to": rule.forward_to,
        "clauses": ", ".join(rule.clauses),
        "legal_basis": rule.legal_basis,
        "reason": "Because",
    }
    # The ladder rows as the page sends them untouched (see test_rule_edit_page.py).
    data["ladder-TOTAL_FORMS"] = len(rule.ladder)
    data["ladder-INITIAL_FORMS"] = len(rule.ladder)
    for i, step in enumerate(rule.ladder):
        when = step.get("when") or {}
        data[f"ladder-{i}-level"] = step["level"]
        data[f"ladder-{i}-evidence"] = when.get("evidence", "E0")
        data[f"ladder-{i}-after"] = when.get("after") or ""
        data[f"ladder-{i}-approval"] = step.get("approval", "staff")
        data[f"ladder-{i}-clauses"] = ", ".join(step.get("clauses") or [])
        data[f"ladder-{i}-legal_basis"] = step.get("legal_basis") or []
        data[f"ladder-{i}-also"] = step.get("also") or []
        data[f"ladder-{i}-note"] = step.get("note", "")
        data[f"ladder-{i}-ORDER"] = i + 1
    return {**data, **changes}


@pytest.mark.parametrize("url", PAGES)
def test_staff_get_403(staff_client, url):
    assert staff_client.get(url).status_code == 403


def test_staff_cannot_post_an_edit(staff_client):
    rule = Rule.objects.get(criteria_set__version=1, key="1")
    response = staff_client.post(reverse("policies-rule-edit", args=["1"]), rule_post(rule, reporters_n=2))
    assert response.status_code == 403
    assert CriteriaSet.objects.count() == 1


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("policies-index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_managers_see_the_pages(manager_client, url):
    assert manager_client.get(url).status_code == 200


def test_the_index_lists_rules_and_clauses_in_few_queries(manager_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = manager_client.get(reverse("policies-index"))
    content = response.content.decode()
    assert "Our submission server, mail account, sending" in content
    assert "C-03g" in content and "C-19" in content


def test_a_manager_edits_a_rule_into_version_2(manager_client, manager):
    rule = Rule.objects.get(criteria_set__version=1, key="1")
    response = manager_client.post(reverse("policies-rule-edit", args=["1"]), rule_post(rule, reporters_n=2))
    assert response.status_code == 302
    assert active_criteria().version == 2
    assert active_criteria().rules.get(key="1").reporters_n == 2
    assert Rule.objects.get(pk=rule.pk).reporters_n == 3


def test_a_manager_edits_a_clause_into_a_new_version(manager_client):
    response = manager_client.post(
        reverse("policies-clause-edit", args=["C-08"]),
        {
            "isp_number": "第12条",
            "title": "Suspension",
            "title_ja": "利用停止",
            "text": "…",
            "effective_from": "2025-07-01",
            "note": "Our numbering",
        },
    )
    assert response.status_code == 302
    assert Clause.objects.get(catalogue_id="C-08", version=2).isp_number == "第12条"


def test_an_unknown_rule_or_clause_is_404(manager_client):
    assert manager_client.get(reverse("policies-rule-edit", args=["99"])).status_code == 404
    assert manager_client.get(reverse("policies-clause-edit", args=["C-99"])).status_code == 404
    assert manager_client.get(reverse("policies-version-detail", args=[42])).status_code == 404
