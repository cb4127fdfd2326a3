from django.contrib import admin

from .models import Case, Hop, Partner, Report, ReportUrl


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "rate_limit", "created_at"]
    search_fields = ["name", "contact_email"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request):
        return False  # `manage.py create_partner NAME` creates the client and prints its key


class HopInline(admin.TabularInline):
    model = Hop
    extra = 0
    can_delete = False
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
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "channel", "format", "status", "source_ip", "reporter", "case"]
    list_filter = ["status", "channel", "format"]
    search_fields = ["source_ip", "reporter", "message_id", "raw_sha256"]
    date_hierarchy = "received_at"
    # The raw bytes are content (S1): read them through the logged "show content" action.
    exclude = ["raw"]
    readonly_fields = [f.name for f in Report._meta.fields if f.name != "raw"]
    inlines = [HopInline]
    list_select_related = ["case"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "kind",
        "status",
        "report_count",
        "reporter_count",
        "last_activity_at",
        "assignee",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["key", "subject"]
    readonly_fields = [
        "key",
        "kind",
        "report_count",
        "reporter_count",
        "first_seen",
        "last_seen",
        "created_at",
    ]


@admin.register(ReportUrl)
class ReportUrlAdmin(admin.ModelAdmin):
    list_display = ["report", "host", "url"]
    search_fields = ["host", "url"]
    readonly_fields = ["report", "url", "host"]
