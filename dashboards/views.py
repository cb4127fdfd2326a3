from __future__ import annotations

import csv
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from abusedesk.pagination import capped_page
from abusedesk.replica import read_only_page
from abusedesk.roles import user_role
from abusedesk.web import search_text
from complaints.reporters import reporter_label
from sanctions.labels import label

from . import accesses, metrics, snapshots
from .charts import bar_chart
from .selectors import my_work

# Column headers of the metric tables (the CSV keeps the keys: it is for machines).
COLUMNS = {
    "account": _("Account"),
    "case": _("Case"),
    "cases": _("Cases"),
    "day": _("Day"),
    "foreign_origin": _("Foreign origin"),
    "key": _("Value"),
    "level": _("Level"),
    "measure": _("Interval"),
    "measures": _("Measures"),
    "median_hours": _("Median (hours)"),
    "p90_hours": _("90th percentile (hours)"),
    "notify_due_at": _("Notice due"),
    "reporter": _("Reporter"),
    "reports": _("Reports"),
    "review_due_at": _("Review due"),
    "role": _("Role"),
    "sanction": _("Measure"),
    "share_percent": _("Share (%)"),
    "sla_hours": _("SLA (hours)"),
    "state": _("State"),
    "within_sla_percent": _("Within the SLA (%)"),
}
INTERVALS = {"first_action": _("Report to first action"), "resolution": _("Report to resolution")}
NO_VALUE = {"unattributed": _("Not attributed"), "none": _("No sending method")}
KEY_KIND = {"by_role": "role", "by_method": "method"}


def _cell(slug: str, column: str, value):
    """What a person reads in a cell: labels for codes, local times for instants."""
    if value is None or value == "":
        return "—"
    if column == "key":
        return NO_VALUE.get(value) or label(value, KEY_KIND.get(slug, "role"))
    if column == "measure":
        return INTERVALS.get(value, value)
    if column == "state":
        return label(value, "state")
    if column == "reporter":
        return reporter_label(value)
    if column.endswith("_at") and isinstance(value, str) and (when := parse_datetime(value)):
        return date_format(localtime(when), "Y-m-d H:i T")
    return value


managers_only = permission_required("abusedesk.view_dashboards", raise_exception=True)


def _days(request) -> int:
    days = request.GET.get("days", "30")
    return min(int(days), 366) if days.isdigit() and int(days) > 0 else 30


def _sections(days: int) -> tuple[snapshots.Figures, list[dict]]:
    """(slug, title, rows, chart label column, chart value column) per metric: the
    costly ones from the stored figures (at most ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS
    old), the operational ones read now."""
    figures = snapshots.figures(days)
    stored = figures.rows
    return figures, [
        {
            "slug": "per_day",
            "title": _("Reports and cases per day"),
            "rows": stored["per_day"],
            "chart": ("day", "reports"),
        },
        {
            "slug": "by_role",
            "title": _("Cases by role"),
            "rows": stored["by_role"],
            "chart": ("key", "cases"),
        },
        {
            "slug": "by_method",
            "title": _("Cases by sending method"),
            "rows": stored["by_method"],
            "chart": ("key", "cases"),
        },
        {
            "slug": "foreign",
            "title": _("Share of foreign-origin reports"),
            "rows": stored["foreign"],
            "chart": None,
        },
        {
            "slug": "response",
            "title": _("Time to first action and to resolution (hours)"),
            "rows": stored["response"],
            "chart": ("measure", "median_hours"),
        },
        {
            "slug": "measures",
            "title": _("Measures by level"),
            "rows": metrics.measures_by_level(figures.period),
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
            "rows": stored["top_reporters"],
            "chart": ("reporter", "reports"),
        },
        {
            "slug": "top_accounts",
            "title": _("Top accounts"),
            "rows": stored["top_accounts"],
            "chart": ("account", "reports"),
        },
    ]


@read_only_page
@login_required
def home(request):
    """My work: cases assigned to me, overdue ones, measures waiting for me, what changed."""
    context = {"role": user_role(request.user), "work": my_work(request.user), "now": timezone.now()}
    return render(request, "home.html", context)


@login_required
def find(request):
    """The search box of every page: a reference (ADR-…, ADS-…, a case number) opens its
    page; anything else searches the case queue."""
    text = search_text(request.GET.get("q"))
    target = reference_target(text)
    if target:
        return redirect(target)
    return redirect(f"{reverse('case-list')}?{urlencode({'q': text, 'status': ''})}")


REFERENCE = re.compile(r"^(?:(?P<kind>ADR|ADS|CASE|#)[-\s]?)?0*(?P<number>\d{1,12})$", re.IGNORECASE)


def reference_target(text: str) -> str | None:
    match = REFERENCE.match(text.replace("　", " ").strip())
    if not match:
        return None
    kind, number = (match["kind"] or "#").upper(), int(match["number"])
    if kind == "ADR":
        return reverse("report-detail", args=[number])
    if kind == "ADS":
        return reverse("sanction-detail", args=[number])
    return reverse("case-detail", args=[number])


@read_only_page
@login_required
@managers_only
def dashboard(request):
    days = _days(request)
    figures, sections = _sections(days)
    for section in sections:
        columns = list(section["rows"][0]) if section["rows"] else []
        section["columns"] = [COLUMNS.get(c, c) for c in columns]
        section["cells"] = [[_cell(section["slug"], c, row[c]) for c in columns] for row in section["rows"]]
        if section["chart"] and section["rows"]:
            label_column, value = section["chart"]
            shown = [
                {**row, label_column: _cell(section["slug"], label_column, row[label_column])}
                for row in section["rows"]
            ]
            section["svg"] = bar_chart(shown, label_column, value, title=str(section["title"]))
    return render(
        request,
        "dashboards/index.html",
        {
            "sections": sections,
            "period": figures.period,
            "computed_at": figures.computed_at,
            "max_age": settings.ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS,
            "days": days,
        },
    )


@read_only_page
@login_required
@managers_only
def export_csv(request, slug: str):
    section = next((s for s in _sections(_days(request))[1] if s["slug"] == slug), None)
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


_DAY = {"type": "date"}


class AccessFilterForm(forms.Form):
    """The access review's filters; dates are days in the reader's zone, both included."""

    since = forms.DateField(label=_("First day"), required=False, widget=forms.DateInput(attrs=_DAY))
    until = forms.DateField(label=_("Last day"), required=False, widget=forms.DateInput(attrs=_DAY))
    kind = forms.ChoiceField(label=_("What"), required=False)
    person = forms.CharField(label=_("Person"), required=False, max_length=150)
    case = forms.IntegerField(label=_("Case"), required=False, min_value=1, max_value=2**53)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything"))] + [(k, v[0]) for k, v in accesses.KINDS.items()]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        until = data.get("until") or today
        since = data.get("since") or until - timedelta(days=ACCESS_DEFAULT_DAYS - 1)
        if since > until:
            raise forms.ValidationError(_("The first day is after the last day."))
        if (until - since).days >= ACCESS_MAX_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(days)d days at a time.") % {"days": ACCESS_MAX_DAYS}
            )
        data["since"], data["until"] = since, until
        return data

    def access_filter(self) -> accesses.AccessFilter:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = datetime.combine(data["since"], time.min, tzinfo=zone)
        end = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=zone)
        return accesses.AccessFilter(
            since=start, until=end, kind=data["kind"], person=data["person"].strip(), case=data["case"]
        )


ACCESS_DEFAULT_DAYS = 7
ACCESS_MAX_DAYS = 366
ACCESS_PAGE = 50


def _reference(thing: str, number: int | None) -> str:
    if not number:
        return ""
    return f"ADR-{number:08d}" if thing == "report" else f"#{number}"


def _access_rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        kind, thing, number = accesses.what_was_opened(entry)
        rows.append(
            {
                "at": entry.at,
                "person": entry.actor_name,
                "kind": kind,
                "kind_label": accesses.KINDS[kind][0] if kind else entry.action,
                "thing": thing,
                "number": number,
                "reference": _reference(thing, number),
                "case_id": entry.case_id,
                "purpose": entry.reason,
                "via": (entry.data or {}).get("via") or (entry.data or {}).get("format") or "",
            }
        )
        row = rows[-1]
        row["purpose_label"] = accesses.PURPOSES.get(row["purpose"], row["purpose"])
        row["via_label"] = accesses.VIAS.get(row["via"], row["via"])
    return rows


@read_only_page
@login_required
@managers_only
def access_review(request):
    """Who opened complaint content (S1) and traffic data (S2), when, in which case and
    why: the audit trail's accesses, for the managers who answer for their secrecy."""
    form = AccessFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "dashboards/accesses.html", {"form": form}, status=400)
    if not request.GET:
        form = AccessFilterForm({})
        form.is_valid()
    chosen = form.access_filter()
    if request.GET.get("format") == "csv":
        return _access_csv(chosen)
    page = capped_page(accesses.accesses(chosen), ACCESS_PAGE, request.GET.get("page"))
    context = {
        "form": form,
        "chosen": chosen,
        "page": page,
        "rows": _access_rows(page.object_list),
        "people": accesses.summary(chosen),
        "csv_query": urlencode({**{k: v for k, v in request.GET.items() if k != "page"}, "format": "csv"}),
    }
    return render(request, "dashboards/accesses.html", context)


ACCESS_CSV_LIMIT = 100_000


def _access_csv(chosen) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="accesses.csv"'
    writer = csv.writer(response)
    writer.writerow(["at", "person", "kind", "object", "number", "case", "purpose", "via"])
    entries = accesses.accesses(chosen)[:ACCESS_CSV_LIMIT].iterator(chunk_size=2000)
    for row in _access_rows(entries):
        cells = [localtime(row["at"]).isoformat(), row["person"], row["kind"], row["thing"], row["number"],
                 row["case_id"], row["purpose"], row["via"]]  # fmt: skip
        # A leading = + - @ would be a formula in a spreadsheet: neutralise it.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in cells])
    return response
