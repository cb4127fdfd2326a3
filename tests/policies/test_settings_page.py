"""Managers edit the criteria's numbers (review periods, made-up recipients, volume limits)
in the browser; each save is a new version with its reason, bad numbers get a message."""

import pytest
from django.urls import reverse

from abusedesk.models import AuditEntry
from policies.models import CriteriaSet
from tests.support.htmlforms import form_data

pytestmark = pytest.mark.django_db
URL = reverse("policies-settings-edit")


def _form(client):
    response = client.get(URL)
    assert response.status_code == 200
    return {k: v[0] for k, v in form_data(response.content, css_class="wide").items()}


def test_a_manager_changes_a_volume_limit_and_a_new_version_is_active(manager_client):
    data = _form(manager_client)
    assert data["volume_messages"] == "200" and data["base_version"] == "1"
    data.update(volume_messages="300", reason="Our business customers send more")
    response = manager_client.post(URL, data)
    assert response.status_code == 302
    active = CriteriaSet.objects.get(is_active=True)
    assert (active.version, active.volume_messages, active.volume_recipients) == (2, 300, 500)
    assert CriteriaSet.objects.get(version=1).volume_messages == 200
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.data["settings"] == {"volume_messages": [200, 300]}


def test_bad_numbers_and_a_missing_reason_are_refused_with_a_message(manager_client):
    data = _form(manager_client)
    data.update(volume_unknown_percent="150", volume_addresses="0", reason="")
    response = manager_client.post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "less than or equal to 100" in page and "greater than or equal to 1" in page
    assert "Say why this changes" in page
    assert CriteriaSet.objects.count() == 1


def test_an_untouched_form_changes_nothing(manager_client):
    data = {**_form(manager_client), "reason": "just looking"}
    assert manager_client.post(URL, data).status_code == 302
    assert CriteriaSet.objects.count() == 1


def test_staff_may_not_edit_the_numbers(staff_client):
    assert staff_client.get(URL).status_code == 403


def test_the_page_speaks_japanese(manager_client):
    manager_client.cookies.load({"django_language": "ja"})
    page = manager_client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ログインごと" in page
