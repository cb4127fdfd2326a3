"""The Django admin is for superusers and the inventory (issues 10 and 12).

Desk users log in to it (is_staff) only to keep the inventory (subscribers'
admin) and, for managers, the clause catalogue (policies' admin). Everything the
desk derives or records — cases, reports, attribution, evidence, levels,
measures, the audit trail — is shown to superusers only, read-only: it changes
through the services, which check the guards and write the audit entries.
"""

from django.contrib import admin

from .models import ApiToken, AuditEntry
from .services import api_token_revoke


def is_superuser(request) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class SuperuserAdmin(admin.ModelAdmin):
    """Seen by superusers only, whatever model permissions a group holds."""

    def has_module_permission(self, request):
        return is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return is_superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(SuperuserAdmin):
    """A derived fact or a record: read-only for everybody, superusers included."""


class RecordInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserAdmin):
    list_display = ["prefix", "user", "name", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]
    # Keys are shown once at creation: create them with `create_user --token` or
    # `create_partner`, which print the key. Revoking is the one change made here.

    def has_change_permission(self, request, obj=None):
        return is_superuser(request)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ApiToken._meta.fields]

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    """Append-only: no one edits or deletes the record, not even superusers."""

    list_display = ["id", "at", "actor_name", "action", "object_type", "object_id", "case_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "reason"]
