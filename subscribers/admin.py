"""Admin pages for the inventory. Logs (sessions, mail log) are read-only: they come
from importers and are evidence. Big tables search by exact keys so no page scans."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from subscribers import ipkeys, services
from subscribers.models import Account, AddressBlock, HostedName, MailLogEntry, Session, Subscriber


class _ReadOnlyAdmin(admin.ModelAdmin):
    # Counting tens of millions of rows for the paginator would take longer than the page.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("account_id", "kind", "identifier", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("subscriber_id", "name", "email", "kind", "status", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("=subscriber_id", "name", "email")
    readonly_fields = ("created_at", "updated_at")
    inlines = [AccountInline]
    fieldsets = (
        (None, {"fields": ("subscriber_id", "name", "email", "kind", "status", "created_at", "updated_at")}),
        ("Identity at sign-up", {"fields": ("name_kana", "postal_address", "phone", "card_fingerprint")}),
        (
            "Inter-carrier exchange (C-15)",
            {"fields": ("exchange_clause", "exchange_consent_at", "exchange_consent_record")},
        ),
    )


class HostedNameInline(admin.TabularInline):
    model = HostedName
    fields = ("name",)
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # derived from the identifier


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ("account_id", "subscriber", "kind", "identifier", "status")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "hosting":
            try:
                cleaned["identifier"] = ",".join(services.hosted_names_parse(cleaned.get("identifier", "")))
            except services.InventoryError as exc:
                self.add_error("identifier", str(exc))
        return cleaned


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ("account_id", "kind", "identifier", "status", "subscriber")
    list_filter = ("kind", "status")
    search_fields = ("=account_id", "=identifier", "=subscriber__subscriber_id", "hosted_names__name")
    list_select_related = ("subscriber",)
    autocomplete_fields = ("subscriber",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [HostedNameInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.hosted_names_sync(account=obj)


class AddressBlockForm(forms.ModelForm):
    class Meta:
        model = AddressBlock
        fields = ("prefix", "kind", "account", "sub_allocated_to", "abuse_contact", "note")

    def clean_prefix(self):
        try:
            fields = services.block_prefix_fields(prefix=self.cleaned_data["prefix"])
        except services.InventoryError as exc:
            raise forms.ValidationError(str(exc)) from None
        # The keys are not form fields; put them on the instance before model validation.
        for name in ("start_key", "end_key", "prefix_len", "family"):
            setattr(self.instance, name, fields[name])
        return fields["prefix"]


@admin.register(AddressBlock)
class AddressBlockAdmin(admin.ModelAdmin):
    form = AddressBlockForm
    list_display = ("prefix", "kind", "account", "sub_allocated_to", "abuse_contact", "family")
    list_filter = ("kind", "family")
    search_fields = ("prefix", "=account__account_id", "=sub_allocated_to__subscriber_id", "abuse_contact")
    list_select_related = ("account", "sub_allocated_to")
    autocomplete_fields = ("account", "sub_allocated_to")
    readonly_fields = ("start_key", "end_key", "prefix_len", "created_at", "updated_at")

    def get_search_results(self, request, queryset, search_term):
        # An address finds the blocks containing it, most specific first.
        try:
            key = ipkeys.ip_key(search_term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        blocks = queryset.filter(start_key__lte=key, end_key__gte=key).order_by("-prefix_len")
        return blocks, False


@admin.register(Session)
class SessionAdmin(_ReadOnlyAdmin):
    list_display = ("address", "account", "started_at", "stopped_at", "source", "radius_session_id")
    list_filter = ("source",)
    list_select_related = ("account",)
    search_fields = ("=account__account_id", "=account__identifier", "=radius_session_id")
    search_help_text = "An IP address (sessions on exactly it), an account id, a line user name."

    def get_search_results(self, request, queryset, search_term):
        try:
            key = ipkeys.ip_key(search_term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(ip_start_key=key, prefix_len=128), False


@admin.register(MailLogEntry)
class MailLogEntryAdmin(_ReadOnlyAdmin):
    list_display = ("at", "kind", "service", "login", "client_ip", "host", "queue_id", "message_id")
    list_filter = ("kind", "service")
    search_fields = ("=login", "=queue_id", "=message_id")
    search_help_text = "A login, queue id, message-id (without <>) or client IP address."

    def get_search_results(self, request, queryset, search_term):
        try:
            key = ipkeys.ip_key(search_term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(client_key=key), False
