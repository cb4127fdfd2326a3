"""Reports, cases and partners in the admin: superusers only.

Reports and cases are what the desk derived (parsing, grouping, attribution,
evidence levels, recommendations): read-only here, changed only through the
services that record who did what. The message's content (S1: the raw message, its
subject, its links) is not shown at all: it is read through the logged "show
content" action with a purpose.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from abusedesk.admin import (
    FilterOnlyShownLookupsMixin,
    RecordAdmin,
    RecordInline,
    SuperuserAdmin,
    is_superuser,
)
from abusedesk.errors import ApplicationError

from .models import Case, Hop, Partner, Report, ReportUrl
from .services.content import CONTENT_FACTS
from .services.partners import partner_update


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["contact_email", "rate_limit"]


@admin.register(Partner)
class PartnerAdmin(SuperuserAdmin):
    form = PartnerForm
    list_display = ["name", "contact_email", "rate_limit", "created_at"]
    search_fields = ["name", "contact_email"]
    readonly_fields = ["name", "user", "created_at"]

    def has_change_permission(self, request, obj=None):
        return is_superuser(request)

    def save_model(self, request, obj, form, change):
        # `manage.py create_partner NAME` creates partners (and prints the key); edits go through the service.
        try:
            partner_update(
                partner=Partner.objects.get(pk=obj.pk),
                actor=request.user,
                contact_email=form.cleaned_data["contact_email"],
                rate_limit=form.cleaned_data["rate_limit"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)


class HopInline(RecordInline):
    model = Hop
    fields = [
        "position",
        "from_name",
        "from_address",
        "by_name",
        "with_protocol",
        "time",
        "trusted",
        "is_origin",
    ]


@admin.register(Report)
class ReportAdmin(FilterOnlyShownLookupsMixin, RecordAdmin):
    list_display = ["id", "received_at", "channel", "format", "status", "source_ip", "reporter", "case"]
    list_filter = ["status", "channel", "format"]
    search_fields = ["=message_id", "=raw_sha256"]
    date_hierarchy = "received_at"
    # What the message said is content (S1), read only in the desk with a recorded
    # purpose (complaints.services.content): the raw message, its subject and the
    # links in it. The facts are shown without those.
    # Nor is it filtered on by query string (?subject__contains=): only the list filters.
    exclude = ["raw", "subject", "facts"]
    safe_lookups = ("case",)
    readonly_fields = ["facts_without_content"]
    inlines = [HopInline]
    list_select_related = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("Facts (without the message's content)"))
    def facts_without_content(self, obj) -> str:
        facts = {k: v for k, v in (obj.facts or {}).items() if k not in CONTENT_FACTS}
        return json.dumps(facts, ensure_ascii=False, indent=1, sort_keys=True, default=str)


@admin.register(Case)
class CaseAdmin(RecordAdmin):
    list_display = [
        "id",
        "subject",
        "kind",
        "status",
        "report_count",
        "reporter_count",
        "evidence_level",
        "recommended_level",
        "last_activity_at",
        "assignee",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=id"]


@admin.register(ReportUrl)
class ReportUrlAdmin(FilterOnlyShownLookupsMixin, RecordAdmin):
    # The link itself is content (S1), neither shown nor filtered on (?url=); its host is
    # what the desk works with.
    list_display = ["report", "host"]
    exclude = ["url"]
    safe_lookups = ("report", "host")
    search_fields = ["host"]
