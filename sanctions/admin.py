"""Measures and their record: read-only, for superusers. They change through the services."""

from django.contrib import admin

from abusedesk.admin import RecordAdmin, RecordInline

from .models import Execution, HearingAnswer, Notice, Sanction, Transition


class TransitionInline(RecordInline):
    model = Transition
    fields = ["at", "action", "from_state", "to_state", "actor_name", "reason"]


@admin.register(Sanction)
class SanctionAdmin(RecordAdmin):
    list_display = ["id", "case", "account", "level", "state", "emergency", "proposed_by", "created_at"]
    list_filter = ["state", "level", "emergency"]
    search_fields = ["=account__account_id", "content_ref"]
    inlines = [TransitionInline]


admin.site.register([Notice, HearingAnswer, Execution], RecordAdmin)
