"""The rule editor: the rule's fields and its ladder as rows, no JSON.

Each test starts from the page as a manager sees it and submits the form the way
a browser would, changing only what the test names.
"""

import pytest
from django.urls import reverse

from abusedesk.models import AuditEntry
from policies.models import CriteriaSet, Rule
from policies.selectors import active_criteria, rule_data
from tests.support.htmlforms import form_data

pytestmark = pytest.mark.django_db

URL = reverse("policies-rule-edit", args=["1"])


def page_form(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content, css_class="rule-form")


def post(client, data, url=URL):
    return client.post(url, data)


def test_the_page_shows_the_ladder_as_rows_not_json(manager_client):
    response = manager_client.get(URL)
    content = response.content.decode()
    rule = Rule.objects.get(criteria_set__version=1, key="1")
    assert '"when"' not in content and "[{" not in content  # no JSON anywhere
    ladder = response.context["ladder"]
    assert len(ladder.initial_forms) == len(rule.ladder) == 4
    assert ladder.forms[2]["level"].value() == "L4"
    assert ladder.forms[2]["approval"].value() == "manager"
    assert ladder.forms[3]["after"].value() == "L4"


@pytest.mark.parametrize("key", [str(n) for n in range(1, 15)])
def test_saving_any_rule_untouched_changes_nothing_and_says_so(manager_client, key):
    url = reverse("policies-rule-edit", args=[key])
    data = page_form(manager_client, url)
    data["reason"] = ["looked, no change"]
    response = post(manager_client, data, url)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CriteriaSet.objects.count() == 1
    assert not AuditEntry.objects.filter(action="policy.edited").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Nothing changed" in m for m in messages)


def test_changing_one_step_writes_version_2_with_exactly_that_change(manager_client):
    before = rule_data(Rule.objects.get(criteria_set__version=1, key="1"))
    data = page_form(manager_client)
    data["ladder-0-evidence"] = ["E2"]  # the warning now needs several reporters
    data["reason"] = ["Warn only on E2"]
    response = post(manager_client, data)
    assert response.status_code == 302
    created = active_criteria()
    assert created.version == 2
    after = rule_data(created.rules.get(key="1"))
    assert after["ladder"][0]["when"]["evidence"] == "E2"
    assert after["ladder"][1:] == before["ladder"][1:]
    assert {k: v for k, v in after.items() if k != "ladder"} == {
        k: v for k, v in before.items() if k != "ladder"
    }
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.reason == "Warn only on E2" and set(entry.data["rules"]["1"]) == {"ladder"}


def test_a_step_is_added_in_the_empty_row_and_removed_with_its_box(manager_client):
    data = page_form(manager_client)
    data.update(
        {
            "ladder-4-level": ["L1"],
            "ladder-4-evidence": ["E0"],
            "ladder-4-ORDER": ["0"],  # first: least restrictive
            "ladder-4-note": ["advise first"],
            "ladder-3-DELETE": ["on"],
            "reason": ["Advise first, no termination from this rule"],
        }
    )
    assert post(manager_client, data).status_code == 302
    ladder = active_criteria().rules.get(key="1").ladder
    assert [step["level"] for step in ladder] == ["L1", "L2", "L3", "L4"]
    assert ladder[0] == {"when": {"evidence": "E0"}, "level": "L1", "note": "advise first"}


def test_a_rule_field_change_keeps_the_ladder_as_stored(manager_client):
    before = Rule.objects.get(criteria_set__version=1, key="1")
    data = page_form(manager_client)
    data.update({"reporters_n": ["2"], "reason": ["Two reporters are enough"]})
    assert post(manager_client, data).status_code == 302
    after = active_criteria().rules.get(key="1")
    assert after.reporters_n == 2 and after.ladder == before.ladder
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.data["rules"] == {"1": {"reporters_n": [3, 2]}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ladder-1-level", "", "Choose the measure's level"),
        ("ladder-1-clauses", "C-99", "Unknown clause(s): C-99"),
        ("ladder-1-review_hours", "0", "greater than or equal to 1"),
        ("ladder-1-evidence", "E9", "E9"),
    ],
)
def test_a_bad_row_shows_its_error_on_that_row_and_writes_nothing(manager_client, field, value, message):
    data = page_form(manager_client)
    data.update({field: [value], "reason": ["try"]})
    response = post(manager_client, data)
    assert response.status_code == 400
    row = response.context["ladder"].forms[1]
    assert message in " ".join(e for errors in row.errors.values() for e in errors)
    assert all(not f.errors for i, f in enumerate(response.context["ladder"].forms) if i != 1)
    assert CriteriaSet.objects.count() == 1


def test_removing_every_step_is_refused(manager_client):
    data = page_form(manager_client)
    data.update({f"ladder-{i}-DELETE": ["on"] for i in range(4)})
    data["reason"] = ["empty"]
    response = post(manager_client, data)
    assert response.status_code == 400
    assert "at least one step" in str(response.context["ladder"].non_form_errors())
    assert CriteriaSet.objects.count() == 1


def test_a_change_without_a_reason_is_refused(manager_client):
    data = page_form(manager_client)
    data["reporters_n"] = ["2"]
    response = post(manager_client, data)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert CriteriaSet.objects.count() == 1


def test_an_unknown_rule_clause_is_refused_on_the_field(manager_client):
    data = page_form(manager_client)
    data.update({"clauses": ["C-03a, C-77"], "reason": ["typo"]})
    response = post(manager_client, data)
    assert response.status_code == 400
    assert "C-77" in str(response.context["form"].errors["clauses"])


def test_an_edit_made_meanwhile_is_not_overwritten(manager_client, manager):
    from policies.services import criteria_edit

    data = page_form(manager_client)
    criteria_edit(user=manager, note="someone else", rules={"1": {"window_days": 5}})
    data.update({"reporters_n": ["2"], "reason": ["mine"]})
    response = post(manager_client, data)
    assert response.status_code == 400
    assert "Reload" in str(response.context["form"].non_field_errors())
    assert active_criteria().version == 2


def test_a_step_whose_level_does_not_fit_its_target_is_refused_with_the_reason(manager_client):
    """Rule 1 acts on a mail account: L6 suspends a connection, so a step of rule 1 at L6
    would recommend a measure nobody may propose (the proposal's guard refuses it)."""
    data = page_form(manager_client)
    data["ladder-2-level"] = ["L6"]
    data["reason"] = ["Suspend the line instead"]
    response = post(manager_client, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Step 3: L6 acts on Connection account only, and the step&#x27;s target is Mail account." in text
    assert CriteriaSet.objects.count() == 1


def test_the_same_level_with_a_target_of_its_kind_is_saved(manager_client):
    data = page_form(manager_client)
    data["ladder-2-level"] = ["L6"]
    data["ladder-2-target"] = ["connection_account"]
    data["reason"] = ["Suspend the line for the worst cases"]
    response = post(manager_client, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert active_criteria().version == 2


def test_the_service_refuses_the_same_ladder_from_any_door(manager):
    """The API, a command or the admin edit the criteria through the same service."""
    from abusedesk.errors import ApplicationError
    from policies.services import criteria_edit

    rule = rule_data(Rule.objects.get(criteria_set__version=1, key="3"))  # connection account
    ladder = [dict(step) for step in rule["ladder"]]
    ladder[0] = {**ladder[0], "also": ["L4"]}  # L4 stops a mail account's outbound mail
    with pytest.raises(ApplicationError, match="L4 acts on Mail account only"):
        criteria_edit(user=manager, note="try", rules={"3": {"ladder": ladder}}, base_version=1)
    assert CriteriaSet.objects.count() == 1
