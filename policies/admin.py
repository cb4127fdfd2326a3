"""Admin views of clauses and criteria. Stored versions are read-only here.

Editing a version in place would change what past decisions cite, so the admin
shows versions and a clause change is saved as a new version (clause_edit);
rules are edited on the managers' policy pages, which write a new criteria version.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from abusedesk.errors import ApplicationError

from .models import Clause, CriteriaSet, Rule
from .services import clause_edit

CLAUSE_EDITABLE = ["isp_number", "title", "title_ja", "text", "effective_from", "note"]


class PolicyEditorAdmin(admin.ModelAdmin):
    """Managers hold abusedesk.edit_policies, not per-model permissions: let that decide."""

    def _editor(self, request) -> bool:
        return request.user.has_perm("abusedesk.edit_policies")

    def has_module_permission(self, request):
        return self._editor(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._editor(request) or super().has_view_permission(request, obj)


@admin.register(Clause)
class ClauseAdmin(PolicyEditorAdmin):
    list_display = ["catalogue_id", "version", "isp_number", "title", "title_ja", "effective_from"]
    list_filter = ["catalogue_id"]
    search_fields = ["catalogue_id", "isp_number", "title", "title_ja"]
    ordering = ["catalogue_id", "-version"]

    def _is_latest(self, obj) -> bool:
        return not Clause.objects.filter(catalogue_id=obj.catalogue_id, version__gt=obj.version).exists()

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in Clause._meta.fields]
        if obj is not None and self._is_latest(obj):
            return [f for f in fields if f not in CLAUSE_EDITABLE]
        return fields

    def has_add_permission(self, request):
        return False  # the catalogue ids are ours and seeded; ISPs map their numbers to them

    def has_change_permission(self, request, obj=None):
        return self._editor(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "note" in form.base_fields:
            # As on the desk's own page: a new version says why it was made.
            form.base_fields["note"].required = True
            form.base_fields["note"].help_text = _("Say why this changes: kept with the new version.")
        return form

    def save_model(self, request, obj, form, change):
        # Not obj.save(): the change becomes the clause's next version.
        values = {name: form.cleaned_data[name] for name in CLAUSE_EDITABLE if name in form.cleaned_data}
        note = values.pop("note", "")
        try:
            clause_edit(user=request.user, catalogue_id=obj.catalogue_id, note=note, **values)
        except ApplicationError as exc:
            messages.error(request, exc.message)


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    can_delete = False
    fields = [
        "key",
        "position",
        "title",
        "kind",
        "default_culpability",
        "reporters_n",
        "window_days",
        "ladder",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("abusedesk.edit_policies") or super().has_view_permission(request, obj)


@admin.register(CriteriaSet)
class CriteriaSetAdmin(PolicyEditorAdmin):
    list_display = ["version", "is_active", "created_at", "created_by", "note", "edit_link"]
    readonly_fields = [f.name for f in CriteriaSet._meta.fields] + ["edit_link"]
    inlines = [RuleInline]

    @admin.display(description=_("Edit"))
    def edit_link(self, obj):
        if not obj.is_active:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("policies-index"), _("Edit on the policy pages"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: an edit is a new version, written by criteria_edit

    def has_delete_permission(self, request, obj=None):
        return False
