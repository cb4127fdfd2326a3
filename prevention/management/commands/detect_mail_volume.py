from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from prevention.services.scan import volume_scan
from prevention.services.volume import hours_between, volume_detect


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{text!r} is not an ISO 8601 time with an offset, e.g. 2026-11-20T10:00+09:00"
        ) from None
    if value.tzinfo is None:
        raise CommandError(f"{text!r} has no UTC offset, e.g. 2026-11-20T10:00+09:00")
    return value


class Command(BaseCommand):
    help = (
        "Check the criteria's volume limits per login and hour on the imported mail log. "
        "Without options: the hours of rows not looked at yet (what the periodic task does). "
        "With --since/--until: every hour in between. Opens at most one case evidence row per login and hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first hour to check (ISO 8601 with offset)")
        parser.add_argument("--until", help="last hour to check (ISO 8601 with offset); default: --since")

    def handle(self, *args, since, until, **options):
        if until and not since:
            raise CommandError("--until needs --since")
        if since:
            start = _instant(since)
            end = _instant(until) if until else start
            if end < start:
                raise CommandError("--until is before --since")
            hours = hours_between(start, end)
            if len(hours) > 24 * 92:
                raise CommandError("at most 92 days at a time")
            result = volume_detect(hours=hours)
        else:
            result = volume_scan()
        self.stdout.write(result.line())
