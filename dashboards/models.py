from __future__ import annotations

from django.db import models


class MetricSnapshot(models.Model):
    """The costly dashboard figures for one period length ("last N days"), as computed
    at `computed_at` (see dashboards/snapshots.py). One row per period length, replaced
    by each computation; the page recomputes when the row is older than
    ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS, and the beat task keeps the default period's
    row younger than that so managers never wait for a count over every report."""

    days = models.PositiveSmallIntegerField(unique=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long the computation took")
    figures = models.JSONField(default=dict, help_text="Rows per metric slug")

    def __str__(self) -> str:
        return f"dashboard, last {self.days} days, as of {self.computed_at:%Y-%m-%d %H:%M:%S}"
