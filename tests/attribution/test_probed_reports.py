"""Reports of kinds found by probing the desk with crafted complaints (session 26):
each test is one class of real message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Report
from tests.attribution.test_rules import attributed, codes, direct, message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ahead", [timedelta(days=7), timedelta(days=400), timedelta(hours=2)])
def test_a_spam_time_after_the_report_arrived_names_nobody(isp, ahead):
    """A receiver's clock set a week or a year ahead (or a time written to aim at
    whoever holds a dynamic address today): 198.51.100.23 is C-2's now, in an open
    session, and C-2 must not be named for a spam reported before it was "sent"."""
    result = attributed(message([direct("198.51.100.23", timezone.now() + ahead)]))
    assert result["accounts"] == []
    assert "time_after_arrival" in codes(result)
    report = Report.objects.get()
    assert report.occurred_at is None
    assert report.facts["occurred_at_after_arrival"]
    assert any("after the report reached us" in n for n in report.facts["problems"])
    assert report.case.key == "ip:198.51.100.23"  # not today's session's case


def test_a_receiver_clock_a_few_minutes_fast_is_still_read(isp):
    """Clocks drift by minutes: a time just after arrival is the spam's."""
    result = attributed(message([direct("198.51.100.23", timezone.now() + timedelta(minutes=5))]))
    assert result["accounts"] == ["C-2"]
    assert Report.objects.get().facts["occurred_at_after_arrival"] is None


def test_an_address_with_a_timeless_account_is_still_named_with_a_late_time(isp):
    """The static line's holder does not depend on the time."""
    result = attributed(message([direct("203.0.113.5", timezone.now() + timedelta(days=7))]))
    assert result["accounts"] == ["C-3"]
