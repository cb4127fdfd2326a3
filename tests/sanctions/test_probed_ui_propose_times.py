"""Probed: the proposal form listed its evidence with raw UTC times
("2026-12-02 07:51:00+00:00"); the desk shows times in the reader's zone."""

import pytest
from django.utils import timezone

from abusedesk.models import UserPreference
from complaints.models import Report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone,shown", [("", "JST"), ("Europe/Paris", "CET")])
def test_the_evidence_list_shows_times_in_the_readers_zone(case, staff, staff_client, zone, shown):
    if zone:
        UserPreference.objects.update_or_create(user=staff, defaults={"time_zone": zone})
    report = Report.objects.filter(case=case).order_by("occurred_at").first()
    text = staff_client.get(f"/sanctions/cases/{case.pk}/propose/").content.decode()
    assert "+00:00" not in text
    with timezone.override(zone or "Asia/Tokyo"):
        local = timezone.localtime(report.occurred_at)
    assert f"{local:%Y-%m-%d %H:%M:%S} {shown}" in text
