"""What the desk accepts in a short report, checked in one place.

The partner API's serializers and the web forms both call these and put the reason
on their own field, so a caller typed in by staff and a partner's JSON are held to
the same rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

CATEGORIES = ["spam", "phishing", "malware", "spamvertised", "login-attack", "other"]
# No abuse report is about mail older than this; a later date than "now + a day" is a
# wrong clock or a typo (a day covers every zone mistake and ordinary clock skew).
EARLIEST_EVENT = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)


def event_time_problem(value: datetime) -> str | None:
    """Why `value` cannot be the time of a reported event, or None."""
    if value < EARLIEST_EVENT:
        return _("%(value)s is before %(earliest)s: not a time an abuse report can be about") % {
            "value": value.isoformat(),
            "earliest": EARLIEST_EVENT.date().isoformat(),
        }
    if value > timezone.now() + LATEST_AHEAD:
        return _("%(value)s is more than a day in the future: check the clock and the zone offset") % {
            "value": value.isoformat()
        }
    return None


def zone_id_problem(value: str) -> str | None:
    """An IPv6 zone id (fe80::1%eth0) names a link of the sender's own host: no origin we can act on."""
    if "%" in str(value):
        message = _("an address with a zone id (%(value)s) is link-local to the sender's host, not an origin")
        return message % {"value": str(value)[:80]}
    return None
