"""The checks every inventory service applies to a value, whatever shape it comes in."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from subscribers.choices import MailLogKind
from subscribers.services.common import InventoryError, aware, choice


@pytest.mark.parametrize("given", [MailLogKind.LOGIN, "login", " Login ", "LOGIN\n"])
def test_a_choice_is_stored_as_its_plain_lower_case_value(given):
    value = choice(given, MailLogKind, "kind")
    assert value == "login"
    assert type(value) is str


@pytest.mark.parametrize("given", ["logins", "", None, "login\x00"])
def test_a_value_that_is_no_choice_is_refused(given):
    with pytest.raises(InventoryError, match="kind .* is not one of"):
        choice(given, MailLogKind, "kind")


@pytest.mark.parametrize(
    "zone", [UTC, timezone(timedelta(hours=9)), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin")]
)
def test_an_instant_with_a_zone_is_taken_as_it_is(zone):
    at = datetime(2026, 10, 12, 10, 59, 59, 999999, tzinfo=zone)
    assert aware(at, "time") is at


def test_an_instant_without_a_zone_is_refused():
    with pytest.raises(InventoryError, match="has no UTC offset"):
        aware(datetime(2026, 10, 12, 10), "time")
