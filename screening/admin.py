"""Admin: the exchange's participants are inventory; everything else is a record, read-only."""

from django.contrib import admin

from abusedesk.admin import RecordAdmin

from .models import ExchangeParticipant, ReceivedEntry, ScreeningQuery, Termination, Transfer


class _ReadOnly(RecordAdmin):
    """Records of the exchange: superusers only, never changed here."""


@admin.register(ExchangeParticipant)
class ExchangeParticipantAdmin(RecordAdmin):
    # Registered and deactivated with `manage.py exchange_participant`, which checks the
    # key and writes the audit entry; here it is only shown.
    list_display = ("isp_id", "name", "user", "active", "last_bundle_at")
    readonly_fields = ("isp_id", "verify_key", "last_bundle_at", "created_at")
    fields = ("isp_id", "name", "verify_key", "user", "active", "last_bundle_at", "created_at")


@admin.register(Termination)
class TerminationAdmin(_ReadOnly):
    list_display = ("reference", "sanction_reference", "case_id", "terminated_at", "state", "first_sent_at")
    list_filter = ("state",)
    search_fields = ("=reference", "=sanction_reference")
    exclude = ()


@admin.register(Transfer)
class TransferAdmin(_ReadOnly):
    list_display = (
        "at",
        "direction",
        "channel",
        "participant",
        "actor_name",
        "entry_count",
        "withdrawal_count",
    )
    list_filter = ("direction", "channel")


@admin.register(ReceivedEntry)
class ReceivedEntryAdmin(_ReadOnly):
    list_display = ("reference", "participant", "terminated_on", "expires_at", "state")
    list_filter = ("state", "participant")
    search_fields = ("=reference",)


@admin.register(ScreeningQuery)
class ScreeningQueryAdmin(_ReadOnly):
    list_display = ("at", "requester_name", "channel", "verdict", "application_ref")
    list_filter = ("verdict", "channel")
