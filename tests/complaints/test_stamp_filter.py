"""The case page's `stamp` filter writes what Django's date filter wrote before it, and
in the hour a daylight-saving change repeats it names the side (Django writes no zone
for an ambiguous local time, exactly where the zone tells the two hours apart)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

ZONES = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]
TEMPLATE = Template(
    "{% load desk %}"
    '[{{ v|date:"Y-m-d H:i T" }}|{{ v|stamp }}]'
    '[{{ v|date:"Y-m-d H:i:s T"|default:"—" }}|{{ v|stamp:True|default:"—" }}]'
)


def _halves(text: str) -> list[tuple[str, str]]:
    return [tuple(part.split("|")) for part in text.strip("[]").split("][")]


@settings(max_examples=300, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
    language=st.sampled_from(["en", "ja"]),
)
def test_stamp_writes_what_the_date_filter_wrote(at, zone, language):
    with timezone.override(ZoneInfo(zone)), translation.override(language):
        local = timezone.localtime(at)
        for django_text, ours in _halves(TEMPLATE.render(Context({"v": at}))):
            if django_text.endswith(" "):  # ambiguous local time: Django leaves the zone out
                assert ours == django_text + local.tzname()
            else:
                assert ours == django_text


def test_stamp_at_a_daylight_saving_change_names_each_side():
    with timezone.override(ZoneInfo("America/New_York")):
        before = TEMPLATE.render(Context({"v": datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC)}))
        after = TEMPLATE.render(Context({"v": datetime(2026, 11, 1, 6, 0, 0, tzinfo=UTC)}))
    assert _halves(before)[1] == ("2026-11-01 01:59:59 ", "2026-11-01 01:59:59 EDT")
    assert _halves(after)[1] == ("2026-11-01 01:00:00 ", "2026-11-01 01:00:00 EST")
    with timezone.override(ZoneInfo("America/New_York")):
        summer = TEMPLATE.render(Context({"v": datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)}))
    assert _halves(summer) == [("2026-07-01 08:00 EDT",) * 2, ("2026-07-01 08:00:00 EDT",) * 2]


def test_no_time_is_blank_so_the_default_shows():
    for value in (None, ""):
        assert _halves(TEMPLATE.render(Context({"v": value}))) == [("", ""), ("—", "—")]
