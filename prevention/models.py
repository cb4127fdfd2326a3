"""Before the complaints: volume detection on our own mail servers, and opt-in filtering.

- VolumeWindow: one login crossed the criteria's volume limits in one clock hour. At
  most one per login and hour, whatever re-runs: the detection writes it first, then
  the case and its evidence.
- VolumeScan: how far the periodic detection has read the mail log (by row id).
- FilteringConsent: a receiving customer's consent to opt-in filtering (C-16) or its
  withdrawal, as given (date, channel) and as recorded (who, when). Never edited.
- FilteringInstruction: what the provisioning side is told about one consent record,
  through the executor measures use (sanctions.executors), and its answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ConsentChannel, FilteringAction, InstructionAction, InstructionStatus


class VolumeWindow(models.Model):
    login = models.CharField(max_length=255)
    window_start = models.DateTimeField(help_text=_("Start of the clock hour (UTC)"))
    figures = models.JSONField(default=dict)
    criteria_version = models.PositiveIntegerField()
    case = models.ForeignKey(
        "complaints.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="volume_windows"
    )
    evidence = models.OneToOneField(
        "complaints.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="volume_window"
    )
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-window_start", "login"]
        constraints = [
            models.UniqueConstraint(
                fields=["login", "window_start"], name="volumewindow_once_per_login_hour"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.login} {self.window_start:%Y-%m-%d %H:00}Z"


class VolumeScan(models.Model):
    """The periodic detection's watermark: mail-log rows up to last_id were looked at."""

    name = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)
    scanned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} up to {self.last_id}"


class FilteringConsent(models.Model):
    subscriber = models.ForeignKey(
        "subscribers.Subscriber", on_delete=models.PROTECT, related_name="filtering_consents"
    )
    action = models.CharField(max_length=16, choices=FilteringAction.choices)
    given_at = models.DateTimeField(help_text=_("When the customer gave (or withdrew) it"))
    channel = models.CharField(max_length=16, choices=ConsentChannel.choices)
    note = models.TextField(blank=True, help_text=_("What was said, or where it is kept (form id, call id)"))
    case = models.ForeignKey(
        "complaints.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="filtering_consents"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=FilteringAction.values), name="filteringconsent_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ConsentChannel.values), name="filteringconsent_channel_valid"
            ),
        ]
        indexes = [models.Index(fields=["subscriber", "-recorded_at"], name="filteringconsent_latest")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.subscriber_id}, {self.given_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("a consent record is never changed: record a new one (e.g. a withdrawal)")
        super().save(*args, **kwargs)


class FilteringInstruction(models.Model):
    consent = models.OneToOneField(FilteringConsent, on_delete=models.PROTECT, related_name="instruction")
    action = models.CharField(max_length=16, choices=InstructionAction.choices)
    executor = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        max_length=16, choices=InstructionStatus.choices, default=InstructionStatus.PENDING
    )
    request = models.JSONField(default=dict)
    requested_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=InstructionStatus.CONFIRMED, confirmed_at__isnull=False)
                | (~Q(status=InstructionStatus.CONFIRMED) & Q(confirmed_at__isnull=True)),
                name="filteringinstruction_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for consent {self.consent_id} ({self.status})"
