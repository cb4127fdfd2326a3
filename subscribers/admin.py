"""Admin pages for the inventory: subscribers, accounts and address blocks.

Every write here goes through the inventory services (their checks, and an audit
entry with the person and the reason they give). Traffic data (the session log
and the mail log, S2 in POLICY.md) has no admin page at all: POLICY.md allows it
to staff and managers only from within a case, and the admin has no case. Blocks
are found by their prefix text, never by an address they contain: that would be
an address-to-customer lookup outside a case.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from subscribers import mape, services
from subscribers.models import Account, AddressBlock, HostedName, Subscriber

REASON_HELP = _("Why the inventory changes; written to the audit trail.")
HOLDER_SINCE_HELP = _(
    "Since when the block is assigned to its present account or holder. Left as it is, a new "
    "account or holder is recorded from now; a spam from before this date names nobody."
)
SUBSCRIBER_SINCE_HELP = _(
    "Since when the account belongs to this subscriber (a change of contract holder). Left as "
    "it is, a new subscriber is recorded from now; a spam from before this date names nobody."
)


CORRECTION_HELP = _(
    "Tick when the holder was entered wrong and the one given now held it all along: its date "
    "is then kept, and not set to now."
)
# Fields of an edit, not of the row: whoever may only look is not shown them.
EDIT_ONLY_FIELDS = ("reason", "correction")


def _correction_field():
    return forms.BooleanField(label=_("Corrects a wrong entry"), help_text=CORRECTION_HELP, required=False)


def _since_given(form, data: dict, field: str) -> None:
    """A date the person typed or changed is theirs (checked here); one left as shown is
    not given, so the service dates a change of holder itself."""
    if field not in form.changed_data:
        data[field] = None
        return
    try:
        services.since_checked(data.get(field), field)
    except services.InventoryError as exc:
        form.add_error(field, exc.message)


class ReasonForm(forms.ModelForm):
    """An inventory form whose clean() runs the service's own checks."""

    reason = forms.CharField(label=_("Reason"), help_text=REASON_HELP, max_length=500)

    def service_check(self, data: dict) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.service_check(cleaned)
            except services.InventoryError as exc:
                self.add_error(None, exc.message)
        return cleaned


class InventoryAdmin(admin.ModelAdmin):
    """Saves through `save_with_service`; the object the admin logs is the one the service wrote."""

    # Counting tens of millions of rows for the paginator would take longer than the page.
    show_full_result_count = False
    # Fields that name the row: changing them would be a different row, not an edit.
    key_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + list(self.key_fields) if obj is not None else fields

    def _may_write(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        # The reason belongs to an edit: whoever may only look is not asked for one.
        fieldsets = super().get_fieldsets(request, obj)
        if self._may_write(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in EDIT_ONLY_FIELDS]})
            for name, options in fieldsets
        ]

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_with_service(obj, form.cleaned_data, actor=request.user, change=change)
        except services.InventoryError as exc:  # a race since the form's check
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk

    def save_with_service(self, obj, data: dict, *, actor, change: bool):
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        # Accounts and subscribers are closed, never deleted: measures and logs point at them.
        return False


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("account_id", "kind", "identifier", "status", "subscriber_since")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class SubscriberForm(ReasonForm):
    class Meta:
        model = Subscriber
        fields = ("subscriber_id", "name", "email", "kind", "status", *services.SIGNUP_FIELDS)

    def service_check(self, data):
        services.subscriber_values(
            name=data.get("name", ""), email=data.get("email", ""), kind=data["kind"], status=data["status"]
        )
        services.subscriber_signup_values(**_signup(data))


def _signup(data: dict) -> dict:
    return {field: data[field] for field in services.SIGNUP_FIELDS if field in data}


@admin.register(Subscriber)
class SubscriberAdmin(InventoryAdmin):
    form = SubscriberForm
    list_display = ("subscriber_id", "name", "email", "kind", "status", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("=subscriber_id", "name", "email")
    readonly_fields = ("created_at", "updated_at")
    key_fields = ("subscriber_id",)
    inlines = [AccountInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "subscriber_id",
                    "name",
                    "email",
                    "kind",
                    "status",
                    "reason",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        ("Identity at sign-up", {"fields": ("name_kana", "postal_address", "phone", "card_fingerprint")}),
        (
            "Inter-carrier exchange (C-15)",
            {"fields": ("exchange_clause", "exchange_consent_at", "exchange_consent_record")},
        ),
    )

    def save_with_service(self, obj, data, *, actor, change):
        subscriber, _outcome = services.subscriber_upsert(
            subscriber_id=obj.subscriber_id,
            name=data["name"],
            email=data.get("email", ""),
            kind=data["kind"],
            status=data["status"],
            signup=_signup(data),
            actor=actor,
            reason=data["reason"],
        )
        return subscriber


class HostedNameInline(admin.TabularInline):
    model = HostedName
    fields = ("name",)
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # derived from the identifier


class AccountForm(ReasonForm):
    correction = _correction_field()

    class Meta:
        model = Account
        fields = ("account_id", "subscriber", "kind", "identifier", "status", "subscriber_since")
        help_texts = {"subscriber_since": SUBSCRIBER_SINCE_HELP}

    def service_check(self, data):
        account_id = data.get("account_id") or self.instance.account_id
        kind = data.get("kind") or self.instance.kind
        subscriber = data.get("subscriber")
        values = services.account_values(
            account_id=account_id,
            subscriber_id=subscriber.subscriber_id if subscriber else "",
            kind=kind,
            identifier=data.get("identifier", ""),
            status=data["status"],
        )
        data["identifier"] = values["identifier"]
        _since_given(self, data, "subscriber_since")


@admin.register(Account)
class AccountAdmin(InventoryAdmin):
    form = AccountForm
    list_display = ("account_id", "kind", "identifier", "status", "subscriber", "subscriber_since")
    list_filter = ("kind", "status")
    search_fields = ("=account_id", "=identifier", "=subscriber__subscriber_id", "hosted_names__name")
    list_select_related = ("subscriber",)
    autocomplete_fields = ("subscriber",)
    readonly_fields = ("created_at", "updated_at")
    # The kind cannot change: sessions and blocks point at accounts by kind.
    key_fields = ("account_id", "kind")
    inlines = [HostedNameInline]

    def save_with_service(self, obj, data, *, actor, change):
        account, _outcome = services.account_upsert(
            account_id=obj.account_id,
            subscriber_id=data["subscriber"].subscriber_id,
            kind=obj.kind,
            identifier=data.get("identifier", ""),
            status=data["status"],
            subscriber_since=data.get("subscriber_since"),
            correction=data.get("correction", False),
            actor=actor,
            reason=data["reason"],
        )
        return account


class AddressBlockForm(ReasonForm):
    correction = _correction_field()

    class Meta:
        model = AddressBlock
        fields = (
            "prefix",
            "kind",
            "account",
            "sub_allocated_to",
            "abuse_contact",
            "map_rule_ipv6",
            "map_ea_bits",
            "map_psid_offset",
            "holder_since",
            "note",
        )
        help_texts = {"holder_since": HOLDER_SINCE_HELP}

    def clean_prefix(self):
        try:
            fields = services.block_prefix_fields(prefix=self.cleaned_data["prefix"])
        except services.InventoryError as exc:
            raise forms.ValidationError(str(exc)) from None
        # The keys are not form fields; put them on the instance before model validation.
        for name in ("start_key", "end_key", "prefix_len", "family"):
            setattr(self.instance, name, fields[name])
        return fields["prefix"]

    def clean_map_psid_offset(self):
        # RFC 7597's default when a rule is given without one (the model's check wants all three).
        offset = self.cleaned_data.get("map_psid_offset")
        rule_given = (
            self.cleaned_data.get("map_rule_ipv6") or self.cleaned_data.get("map_ea_bits") is not None
        )
        return mape.DEFAULT_PSID_OFFSET if offset is None and rule_given else offset

    def service_check(self, data):
        services.block_values(
            prefix=data.get("prefix") or self.instance.prefix,
            kind=data["kind"],
            account_id=data["account"].account_id if data.get("account") else "",
            sub_allocated_to=data["sub_allocated_to"].subscriber_id if data.get("sub_allocated_to") else "",
            abuse_contact=data.get("abuse_contact", ""),
            **_map_rule(data),
        )
        _since_given(self, data, "holder_since")


def _map_rule(data) -> dict:
    return {
        "map_rule_ipv6": data.get("map_rule_ipv6") or "",
        "map_ea_bits": data.get("map_ea_bits"),
        "map_psid_offset": data.get("map_psid_offset"),
    }


@admin.register(AddressBlock)
class AddressBlockAdmin(InventoryAdmin):
    form = AddressBlockForm
    list_display = (
        "prefix", "kind", "account", "sub_allocated_to", "holder_since", "abuse_contact", "family",
    )  # fmt: skip
    list_filter = ("kind", "family")
    # The whole prefix, or who a block is assigned to; never "which block holds this address".
    # A static assignment is contract data (S4, staff keep it); who held a dynamic
    # address when is traffic data (S2) and is not here at all.
    search_fields = ("=prefix", "=account__account_id", "=sub_allocated_to__subscriber_id", "abuse_contact")
    search_help_text = _("A prefix as written (e.g. 203.0.113.0/24), an account id or a subscriber id.")
    list_select_related = ("account", "sub_allocated_to")
    autocomplete_fields = ("account", "sub_allocated_to")
    readonly_fields = ("start_key", "end_key", "prefix_len", "created_at", "updated_at")
    # A different prefix is a different block: delete and add.
    key_fields = ("prefix",)
    actions = None  # no bulk delete: each removal is one audited action with its reason

    def save_with_service(self, obj, data, *, actor, change):
        block, _outcome = services.block_upsert(
            prefix=obj.prefix,
            kind=data["kind"],
            account_id=data["account"].account_id if data.get("account") else "",
            sub_allocated_to=data["sub_allocated_to"].subscriber_id if data.get("sub_allocated_to") else "",
            abuse_contact=data.get("abuse_contact", ""),
            **_map_rule(data),
            note=data.get("note", ""),
            holder_since=data.get("holder_since"),
            correction=data.get("correction", False),
            actor=actor,
            reason=data["reason"],
        )
        return block

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("subscribers.delete_addressblock")

    def delete_view(self, request, object_id, extra_context=None):
        # Django's confirmation has no reason: the block's own asks for one, and a
        # confirmation without it goes back to the page with the message.
        if request.method == "POST" and request.POST.get("post"):
            reason = (request.POST.get("reason") or "").strip()
            if not reason:
                messages.error(request, _("Say why the block is removed: a reason is required."))
                return HttpResponseRedirect(request.get_full_path())
            request.abusedesk_reason = reason[:500]
        return super().delete_view(request, object_id, {**(extra_context or {}), "reason_help": REASON_HELP})

    def delete_model(self, request, obj):
        services.block_delete(block=obj, actor=request.user, reason=request.abusedesk_reason)
