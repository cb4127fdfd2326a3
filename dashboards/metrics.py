"""The managers' numbers, each a list of rows (dicts) over a bounded period.

Every metric is computed from a date range (default the last 30 days), so the
cost is bounded by the period, not by the size of the whole history.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Case, Report
from sanctions.models import Sanction
from sanctions.selectors import overdue_emergency


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days: int) -> Period:
        end = timezone.now()
        return cls(start=end - timedelta(days=days), end=end)

    def days(self) -> list[date]:
        first = timezone.localdate(self.start)
        last = timezone.localdate(self.end)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _per_day(queryset, field: str, period: Period) -> dict[date, int]:
    rows = (
        queryset.filter(**{f"{field}__gte": period.start, f"{field}__lte": period.end})
        .annotate(day=TruncDate(field, tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def reports_and_cases_per_day(period: Period) -> list[dict]:
    reports = _per_day(Report.objects.all(), "received_at", period)
    cases = _per_day(Case.objects.all(), "created_at", period)
    return [
        {"day": d.isoformat(), "reports": reports.get(d, 0), "cases": cases.get(d, 0)} for d in period.days()
    ]


def cases_by(field: str, period: Period) -> list[dict]:
    """Cases opened in the period by role (a case can have several) or by sending method."""
    cases = Case.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
    column = "roles" if field == "role" else "sending_method"
    counts: Counter[str] = Counter()
    # Grouped in the database (a few distinct values), not one row per case in Python.
    for value, n in cases.values_list(column).annotate(n=Count("pk")).order_by().values_list(column, "n"):
        if field == "role":
            for role in value or ["unattributed"]:
                counts[role] += n
        else:
            counts[value or "none"] += n
    return [{"key": key, "cases": n} for key, n in counts.most_common()]


def foreign_share(period: Period) -> list[dict]:
    """Reports whose case is not ours (or only received by us) against all reports."""
    reports = Report.objects.filter(received_at__gte=period.start, received_at__lte=period.end)
    # One pass over the period's reports for both counts.
    counts = reports.aggregate(
        total=Count("pk"), foreign=Count("pk", filter=Q(case__roles_text__in=[",not_ours,", ",receiving,"]))
    )
    total, foreign = counts["total"], counts["foreign"]
    share = round(100 * foreign / total, 1) if total else 0.0
    return [{"reports": total, "foreign_origin": foreign, "share_percent": share}]


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
    return statistics.median(values), p90


def response_times(period: Period, sla_hours: int) -> list[dict]:
    """Hours from a case's first report to its first action and to its resolution."""
    cases = Case.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
    to_action, to_close = [], []
    for created, acted, closed in cases.values_list("created_at", "first_action_at", "closed_at").iterator():
        if acted:
            to_action.append((acted - created).total_seconds() / 3600)
        if closed:
            to_close.append((closed - created).total_seconds() / 3600)
    rows = []
    for name, values in (("first_action", to_action), ("resolution", to_close)):
        median, p90 = _quantiles(values)
        rows.append(
            {
                "measure": name,
                "cases": len(values),
                "median_hours": None if median is None else round(median, 1),
                "p90_hours": None if p90 is None else round(p90, 1),
                "sla_hours": sla_hours if name == "first_action" else None,
                "within_sla_percent": round(100 * sum(v <= sla_hours for v in values) / len(values), 1)
                if values and name == "first_action"
                else None,
            }
        )
    return rows


def measures_by_level(period: Period) -> list[dict]:
    rows = (
        Sanction.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
        .values("level", "state")
        .annotate(n=Count("pk"))
        .order_by("level", "state")
    )
    return [{"level": r["level"], "state": r["state"], "measures": r["n"]} for r in rows]


def overdue_emergencies() -> list[dict]:
    return [
        {
            "sanction": s.pk,
            "case": s.case_id,
            "level": s.level,
            "account": s.account.account_id if s.account else "",
            "review_due_at": s.review_due_at.isoformat() if s.review_due_at else "",
            "notify_due_at": s.notify_due_at.isoformat() if s.notify_due_at else "",
        }
        for s in overdue_emergency()[:100]
    ]


def top_reporters(period: Period, limit: int = 10) -> list[dict]:
    rows = (
        Report.objects.filter(received_at__gte=period.start, received_at__lte=period.end)
        .values("reporter_key")
        .annotate(n=Count("pk"))
        .order_by("-n", "reporter_key")[:limit]
    )
    return [{"reporter": r["reporter_key"], "reports": r["n"]} for r in rows]


def top_accounts(period: Period, limit: int = 10) -> list[dict]:
    counts: Counter[str] = Counter()
    cases = Case.objects.filter(last_activity_at__gte=period.start).values_list("accounts", "report_count")
    for accounts, reports in cases.iterator():
        for account in accounts or []:
            counts[account] += reports
    return [{"account": a, "reports": n} for a, n in counts.most_common(limit)]
