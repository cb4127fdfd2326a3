"""The dashboard's costly figures, computed once and read many times.

Counting every report of the last 30 days (a million of them at the issue's scale)
takes seconds; the figures of one period length are stored in a MetricSnapshot and
reused while younger than ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS:

- with beat (PostgreSQL + workers) `dashboards.tasks.refresh_dashboard` recomputes
  the default period more often than that, so the page only reads the stored row;
- without beat (`make run`) the first view after the row has aged recomputes it in
  the request, so the page never shows figures older than the limit, and never an
  empty page for want of a task.

Cheap, operational sections (measures by level, overdue emergencies) are not stored:
they are read live on every view.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import metrics
from .models import MetricSnapshot

DEFAULT_DAYS = 30

# slug -> function(period) returning rows: the figures a snapshot stores.
STORED = {
    "per_day": lambda period: metrics.reports_and_cases_per_day(period),
    "by_role": lambda period: metrics.cases_by("role", period),
    "by_method": lambda period: metrics.cases_by("method", period),
    "foreign": lambda period: metrics.foreign_share(period),
    "response": lambda period: metrics.response_times(period, settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS),
    "top_reporters": lambda period: metrics.top_reporters(period),
    "top_accounts": lambda period: metrics.top_accounts(period),
}


@dataclass(frozen=True)
class Figures:
    period: metrics.Period
    computed_at: datetime
    rows: dict[str, list[dict]]


def compute(days: int) -> Figures:
    """Every stored figure recomputed now from the records, and saved for the next views."""
    period = metrics.Period.last_days(days)
    started = time.perf_counter()
    rows = {slug: function(period) for slug, function in STORED.items()}
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(
                days=days,
                period_start=period.start,
                period_end=period.end,
                computed_at=period.end,
                seconds=round(time.perf_counter() - started, 3),
                figures=rows,
            )
        ],
        update_conflicts=True,
        unique_fields=["days"],
        update_fields=["period_start", "period_end", "computed_at", "seconds", "figures"],
    )
    return Figures(period=period, computed_at=period.end, rows=rows)


def figures(days: int, *, now: datetime | None = None) -> Figures:
    """The stored figures when they are young enough (and complete), else computed now."""
    now = now or timezone.now()
    max_age = timedelta(seconds=settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS)
    row = MetricSnapshot.objects.filter(days=days).values("period_start", "period_end", "figures").first()
    if row is not None and set(row["figures"]) == set(STORED):
        end = _instant(row["period_end"])
        if now - max_age <= end <= now + timedelta(seconds=5):
            return Figures(metrics.Period(_instant(row["period_start"]), end), end, row["figures"])
    return compute(days)


def _instant(value) -> datetime:
    return parse_datetime(value) if isinstance(value, str) else value
