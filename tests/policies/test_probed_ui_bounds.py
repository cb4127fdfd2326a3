"""Probed: absurd numbers in the criteria forms gave a 500 (OverflowError) or were stored
and later broke a measure. Every number has an upper bound, refused with a form error."""

import pytest
from django.urls import reverse

from abusedesk.errors import ApplicationError
from policies.models import CriteriaSet
from policies.services import criteria_edit
from tests.support.htmlforms import form_data

pytestmark = pytest.mark.django_db
SETTINGS_URL = reverse("policies-settings-edit")
RULE_URL = reverse("policies-rule-edit", args=["1"])


def _settings_form(client):
    response = client.get(SETTINGS_URL)
    return {k: v[0] for k, v in form_data(response.content, css_class="wide").items()}


@pytest.mark.parametrize("value", ["99999999999999999999", "3000000000"])
@pytest.mark.parametrize("field", ["review_hours", "emergency_review_hours", "volume_messages"])
def test_an_absurd_number_in_the_settings_is_a_form_error_not_a_500(manager_client, field, value):
    data = {**_settings_form(manager_client), field: value, "reason": "typo"}
    response = manager_client.post(SETTINGS_URL, data)
    assert response.status_code == 400
    assert "less than or equal to" in response.content.decode()
    assert CriteriaSet.objects.count() == 1


def test_a_year_of_review_hours_is_still_accepted(manager_client):
    data = {**_settings_form(manager_client), "review_hours": str(24 * 366), "reason": "long reviews"}
    assert manager_client.post(SETTINGS_URL, data).status_code == 302
    assert CriteriaSet.objects.get(is_active=True).review_hours == 24 * 366


def test_the_service_refuses_absurd_settings_on_every_door(manager):
    with pytest.raises(ApplicationError):
        criteria_edit(user=manager, note="api", settings={"review_hours": 3_000_000_000})
    with pytest.raises(ApplicationError):
        criteria_edit(user=manager, note="api", settings={"volume_addresses": 10**20})
    assert CriteriaSet.objects.count() == 1


@pytest.mark.parametrize(
    "field,value",
    [
        ("ladder-0-review_hours", "3000000000"),
        ("window_days", "99999999999999999999"),
        ("reporters_n", "1000000000"),
    ],
)
def test_an_absurd_number_in_a_rule_is_a_form_error(manager_client, field, value):
    response = manager_client.get(RULE_URL)
    data = form_data(response.content, css_class="rule-form")
    data[field] = [value]
    data["reason"] = ["typo"]
    response = manager_client.post(RULE_URL, data)
    assert response.status_code == 400, response.status_code
    assert "less than or equal to" in response.content.decode()
    assert CriteriaSet.objects.count() == 1


def test_the_service_refuses_an_absurd_ladder_review(manager):
    from policies.models import Rule
    from policies.selectors import rule_data

    ladder = rule_data(Rule.objects.get(criteria_set__version=1, key="1"))["ladder"]
    ladder[0] = {**ladder[0], "review_hours": 3_000_000_000}
    with pytest.raises(ApplicationError):
        criteria_edit(user=manager, note="api", rules={"1": {"ladder": ladder}})
    assert CriteriaSet.objects.count() == 1
