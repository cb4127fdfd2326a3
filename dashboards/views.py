from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import metrics
from .charts import bar_chart

managers_only = permission_required("abusedesk.view_dashboards", raise_exception=True)


def _period(request) -> metrics.Period:
    days = request.GET.get("days", "30")
    return metrics.Period.last_days(min(int(days), 366) if days.isdigit() and int(days) > 0 else 30)


def _sections(period: metrics.Period) -> list[dict]:
    """(slug, title, rows, chart label column, chart value column) per metric."""
    sla = settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS
    return [
        {
            "slug": "per_day",
            "title": _("Reports and cases per day"),
            "rows": metrics.reports_and_cases_per_day(period),
            "chart": ("day", "reports"),
        },
        {
            "slug": "by_role",
            "title": _("Cases by role"),
            "rows": metrics.cases_by("role", period),
            "chart": ("key", "cases"),
        },
        {
            "slug": "by_method",
            "title": _("Cases by sending method"),
            "rows": metrics.cases_by("method", period),
            "chart": ("key", "cases"),
        },
        {
            "slug": "foreign",
            "title": _("Share of foreign-origin reports"),
            "rows": metrics.foreign_share(period),
            "chart": None,
        },
        {
            "slug": "response",
            "title": _("Time to first action and to resolution (hours)"),
            "rows": metrics.response_times(period, sla),
            "chart": ("measure", "median_hours"),
        },
        {
            "slug": "measures",
            "title": _("Measures by level"),
            "rows": metrics.measures_by_level(period),
            "chart": ("level", "measures"),
        },
        {
            "slug": "overdue",
            "title": _("Overdue emergency measures"),
            "rows": metrics.overdue_emergencies(),
            "chart": None,
        },
        {
            "slug": "top_reporters",
            "title": _("Top reporters"),
            "rows": metrics.top_reporters(period),
            "chart": ("reporter", "reports"),
        },
        {
            "slug": "top_accounts",
            "title": _("Top accounts"),
            "rows": metrics.top_accounts(period),
            "chart": ("account", "reports"),
        },
    ]


@login_required
@managers_only
def dashboard(request):
    period = _period(request)
    sections = _sections(period)
    for section in sections:
        if section["chart"] and section["rows"]:
            label, value = section["chart"]
            section["svg"] = bar_chart(section["rows"], label, value, title=str(section["title"]))
        section["columns"] = list(section["rows"][0]) if section["rows"] else []
    return render(
        request,
        "dashboards/index.html",
        {"sections": sections, "period": period, "days": request.GET.get("days", "30")},
    )


@login_required
@managers_only
def export_csv(request, slug: str):
    section = next((s for s in _sections(_period(request)) if s["slug"] == slug), None)
    if section is None:
        raise Http404("no such metric")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    rows = section["rows"]
    writer = csv.writer(response)
    if rows:
        writer.writerow(list(rows[0]))
        for row in rows:
            # A leading = + - @ would be a formula in a spreadsheet: neutralise it.
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row.values()])
    return response
