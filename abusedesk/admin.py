"""The Django admin is for superusers and the inventory (issues 10 and 12).

Desk users log in to it (is_staff) only to keep the inventory (subscribers'
admin) and, for managers, the clause catalogue (policies' admin). Everything the
desk derives or records — cases, reports, attribution, evidence, levels,
measures, the audit trail — is shown to superusers only, read-only: it changes
through the services, which check the guards and write the audit entries.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers User and Group: replaced below
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.constants import LOOKUP_SEP

from .audit import audit_record
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


class FilterOnlyShownLookupsMixin:
    """Changelist lookups (`?field__contains=...` in the URL) only on the list filters,
    the date hierarchy and `safe_lookups`.

    Django's admin filters on any local field by query string, also on a field the admin
    does not show: an admin that hides content (S1: a subject, a link) would still answer
    which row's hidden field holds a given text. Anything else is refused the way Django
    refuses a disallowed lookup (DisallowedModelAdminLookup: 400)."""

    safe_lookups: tuple[str, ...] = ()

    def allowed_lookup_paths(self, request) -> set[str]:
        from django.contrib.admin.filters import SimpleListFilter

        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        paths = set(self.safe_lookups)
        if self.date_hierarchy:
            paths.add(self.date_hierarchy)
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                paths.add(item.parameter_name)
            elif isinstance(item, (list, tuple)):
                paths.add(item[0])
            elif isinstance(item, str):
                paths.add(item)
        return paths

    def lookup_allowed(self, lookup, value, request=None):
        paths = self.allowed_lookup_paths(request)
        if not any(lookup == path or lookup.startswith(path + LOOKUP_SEP) for path in paths):
            return False
        return super().lookup_allowed(lookup, value, request)


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
            api_token_revoke(token=token, actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    """Append-only: no one edits or deletes the record, not even superusers."""

    list_display = ["id", "at", "actor_name", "action", "object_type", "object_id", "case_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "reason"]


# -- who may do what: users, their roles and the roles' permissions -------------------


def _m2m_label(obj) -> str:
    if isinstance(obj, Group):
        return obj.name
    return f"{obj.content_type.app_label}.{obj.codename}"  # a Permission


class AuditedAccessAdmin:
    """Django's own user and group pages, writing each change to the sealed audit trail.

    Whoever holds the manager role approves L4 and above, whoever holds a permission
    opens what it guards: making someone a manager, or letting a role review measures,
    matters as much as the measures do. Django's admin history is an editable table
    without who-may-do-what before and after; the audit entry keeps both."""

    audit_name = ""
    audited_fields: tuple[str, ...] = ()
    audited_m2m: tuple[str, ...] = ()

    def _access_snapshot(self, obj) -> dict:
        if obj is None or obj.pk is None:
            return {}
        snapshot: dict = {name: getattr(obj, name) for name in self.audited_fields}
        for name in self.audited_m2m:
            related = getattr(obj, name).all()
            if name != "groups":
                related = related.select_related("content_type")
            snapshot[name] = sorted(_m2m_label(item) for item in related)
        return snapshot

    def save_model(self, request, obj, form, change):
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        request.abusedesk_access_before = self._access_snapshot(stored)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "abusedesk_access_before", {})
        after = self._access_snapshot(form.instance)
        changed = {}
        for name, value in after.items():
            old = before.get(name)
            if change and old == value:
                continue
            if name in self.audited_m2m:
                old = old or []
                changed[name] = {
                    "before": old,
                    "after": value,
                    "added": [v for v in value if v not in old],
                    "removed": [v for v in old if v not in value],
                }
            else:
                changed[name] = {"before": old, "after": value}
        if changed or not change:
            audit_record(
                actor=request.user,
                action=f"{self.audit_name}.{'changed' if change else 'created'}",
                obj=form.instance,
                data={"changed": changed},
            )

    def delete_model(self, request, obj):
        before, pk = self._access_snapshot(obj), obj.pk
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action=f"{self.audit_name}.deleted",
            object_type=obj._meta.label_lower,
            object_id=pk,
            data={"before": before},
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:  # one entry each, as from the object's own page
            self.delete_model(request, obj)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(AuditedAccessAdmin, auth_admin.UserAdmin):
    audit_name = "user"
    audited_fields = ("username", "is_active", "is_staff", "is_superuser")
    audited_m2m = ("groups", "user_permissions")

    def user_change_password(self, request, id, form_url=""):
        """The admin's password form: whoever sets someone's password can sign in as
        them (a manager's approval counts as four eyes), so it is on the record: who,
        whose, and whether a password is left at all. Never the password or its hash."""
        before = (
            User.objects.filter(pk=id).values_list("password", flat=True).first()
            if str(id).isdigit()
            else None
        )
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and before is not None:
            user = User.objects.filter(pk=id).first()
            if user is not None and user.password != before:
                audit_record(
                    actor=request.user,
                    action="user.password_set",
                    obj=user,
                    reason="the admin's password form",
                    data={"username": user.username, "usable_password": user.has_usable_password()},
                )
        return response


@admin.register(Group)
class GroupAdmin(AuditedAccessAdmin, auth_admin.GroupAdmin):
    audit_name = "group"
    audited_fields = ("name",)
    audited_m2m = ("permissions",)
