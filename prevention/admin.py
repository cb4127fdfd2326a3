"""Shown to superusers, never edited: consent and instructions are recorded through the
desk (prevention.services.filtering), detections by the volume detection."""

from django.contrib import admin

from .models import FilteringConsent, FilteringInstruction, VolumeWindow


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(FilteringConsent)
class FilteringConsentAdmin(ReadOnlyAdmin):
    list_display = ("subscriber", "action", "given_at", "channel", "recorded_by", "recorded_at")


@admin.register(FilteringInstruction)
class FilteringInstructionAdmin(ReadOnlyAdmin):
    list_display = ("consent", "action", "executor", "status", "requested_at", "confirmed_at")


@admin.register(VolumeWindow)
class VolumeWindowAdmin(ReadOnlyAdmin):
    list_display = ("login", "window_start", "criteria_version", "case", "detected_at")
