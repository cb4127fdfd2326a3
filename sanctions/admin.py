"""Read-only admin: the record is changed through the services, never by hand."""

from django.contrib import admin

from .models import Execution, HearingAnswer, Notice, Sanction, Transition


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "from_state", "to_state", "actor_name", "reason"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "account", "level", "state", "emergency", "proposed_by", "created_at"]
    list_filter = ["state", "level", "emergency"]
    search_fields = ["account__account_id", "content_ref"]
    inlines = [TransitionInline]


admin.site.register([Notice, HearingAnswer, Execution], ReadOnlyAdmin)
