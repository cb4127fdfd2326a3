"""One filter set for the case queue, shared by the HTML queue and the API."""

from __future__ import annotations

import re
from datetime import timedelta

import django_filters
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from abusedesk.choices import NetworkRole, SendingMethod
from abusedesk.web import search_text
from complaints.choices import CaseSource, CaseStatus
from complaints.models import Case
from complaints.services.triage import case_search_q
from subscribers.choices import AccountKind

ROLES = NetworkRole.choices
METHODS = SendingMethod.choices
KINDS = AccountKind.choices
LEVELS_E = [(f"E{i}", f"E{i}") for i in range(5)]
LEVELS_L = [(f"L{i}", f"L{i}") for i in range(8)]
ORDERS = [("activity", _("Newest activity first")), ("untouched", _("Oldest untouched first"))]
SLA = [("overdue", _("Overdue")), ("due", _("Due")), ("met", _("Acted on"))]


REPORT_REFERENCE = re.compile(r"^ADR-?0*(?P<number>\d{1,12})$", re.IGNORECASE)


def sla_hours() -> int:
    return settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, empty_label=_("any status"), label=_("Status")
    )
    source = django_filters.ChoiceFilter(
        choices=CaseSource.choices,
        empty_label=_("any source"),
        label=pgettext_lazy("what opened the case", "Source"),
    )
    role = django_filters.ChoiceFilter(choices=ROLES, method="by_text", label=_("Role"))
    sending_method = django_filters.ChoiceFilter(choices=METHODS, label=_("Sending method"))
    account_kind = django_filters.ChoiceFilter(choices=KINDS, method="by_text", label=_("Account kind"))
    evidence_level = django_filters.ChoiceFilter(choices=LEVELS_E, label=_("Evidence level"))
    recommended_level = django_filters.ChoiceFilter(choices=LEVELS_L, label=_("Recommended measure"))
    assignee = django_filters.CharFilter(method="by_assignee", label=_("Assignee"))
    sla = django_filters.ChoiceFilter(choices=SLA, method="by_sla", label=_("SLA"))
    order = django_filters.ChoiceFilter(choices=ORDERS, method="ordered", label=_("Order"), empty_label=None)

    class Meta:
        model = Case
        fields = [
            "q",
            "status",
            "source",
            "role",
            "sending_method",
            "account_kind",
            "evidence_level",
            "recommended_level",
        ]

    def search(self, queryset, name, value):
        value = search_text(value)
        if not value:
            return queryset
        reference = REPORT_REFERENCE.match(value)
        if reference:  # a report number (ADR-00000012) finds the report's case
            return queryset.filter(reports__pk=int(reference["number"]))
        return queryset.filter(case_search_q(value))

    def by_text(self, queryset, name, value):
        column = {"role": "roles_text", "account_kind": "account_kinds_text"}[name]
        return queryset.filter(**{f"{column}__contains": f",{value},"})

    def by_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset.filter(assignee__username=value)

    def by_sla(self, queryset, name, value):
        deadline = timezone.now() - timedelta(hours=sla_hours())
        if value == "overdue":
            return queryset.filter(first_action_at__isnull=True, created_at__lt=deadline)
        if value == "due":
            return queryset.filter(first_action_at__isnull=True, created_at__gte=deadline)
        return queryset.filter(first_action_at__isnull=False)

    def ordered(self, queryset, name, value):
        if value == "untouched":
            # Never acted on first (oldest at the top), then the rest by age.
            return queryset.order_by(F("first_action_at").asc(nulls_first=True), "created_at", "id")
        return queryset.order_by("-last_activity_at", "-id")

    @property
    def qs(self):
        queryset = super().qs
        if not self.data.get("order"):
            queryset = queryset.order_by("-last_activity_at", "-id")
        return queryset
