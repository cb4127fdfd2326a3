"""Sign-up screening and the forced-termination exchange.

Our own terminations keep their subscriber's identifiers as normalised keys
(S4 contract data, staff only); what other ISPs send us are keyed hashes only.
Screening queries keep their purpose and result, never the applicant's data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Direction, EntryState, TerminationState, Verdict, WithdrawalReason


class Termination(models.Model):
    """An intentional L7 termination for spam carried out by this ISP (recorded by sanctions' hook).

    No foreign key to sanctions: screening never imports it; the hook passes the
    measure and we keep its id and reference.
    """

    sanction_id = models.BigIntegerField(unique=True)
    sanction_reference = models.CharField(max_length=32)
    case_id = models.BigIntegerField(null=True, blank=True)
    subscriber = models.ForeignKey("subscribers.Subscriber", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=2)
    culpability = models.CharField(max_length=16)
    reference = models.CharField(
        max_length=40, unique=True, help_text=_("Opaque reference sent to other ISPs")
    )
    terminated_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text=_("Exchange entries for it expire then"))
    state = models.CharField(max_length=16, choices=TerminationState.choices, default=TerminationState.ACTIVE)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-terminated_at", "-id"]
        constraints = [
            # Only an intentional forced termination (L7) is ever screened against or exchanged.
            models.CheckConstraint(
                condition=Q(level="L7", culpability="intentional"), name="termination_intentional_l7_only"
            ),
            models.CheckConstraint(
                condition=Q(state__in=TerminationState.values), name="termination_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=TerminationState.ACTIVE) | Q(withdrawn_at__isnull=False),
                name="termination_withdrawal_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.sanction_reference}, {self.state})"


class TerminationKey(models.Model):
    """One normalised identifier key of a terminated subscriber, as it was at termination."""

    termination = models.ForeignKey(Termination, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=400)

    class Meta:
        indexes = [models.Index(fields=["value", "kind"], name="terminationkey_value_idx")]
        constraints = [
            models.UniqueConstraint(fields=["termination", "kind"], name="terminationkey_one_per_kind"),
        ]


class ExchangeParticipant(models.Model):
    """Another ISP in the exchange: its name there, its signature key and its API client."""

    isp_id = models.CharField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    verify_key = models.CharField(max_length=64, help_text=_("Its Ed25519 public key, base64"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_participant",
        help_text=_("The API client that fetches and submits entries for it"),
    )
    active = models.BooleanField(default=True)
    last_bundle_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Creation time of the newest bundle imported from it")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["isp_id"]

    def __str__(self) -> str:
        return f"{self.isp_id} ({self.name})"


class Transfer(models.Model):
    """One bundle sent or received (a file or an API call): what travelled, and who moved it."""

    direction = models.CharField(max_length=16, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    participant = models.ForeignKey(
        ExchangeParticipant, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    bundle_created_at = models.DateTimeField()
    bundle_sha256 = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField(default=0)
    withdrawal_count = models.PositiveIntegerField(default=0)
    references = models.JSONField(default=list, blank=True, help_text=_("Entry references it carried"))
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="transfer_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction=Direction.SENT) | Q(participant__isnull=False),
                name="transfer_received_names_sender",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.at:%Y-%m-%d %H:%M}"


class ReceivedEntry(models.Model):
    """An entry another ISP sent: an intentional L7 termination there, as keyed hashes only."""

    participant = models.ForeignKey(ExchangeParticipant, on_delete=models.PROTECT, related_name="entries")
    reference = models.CharField(max_length=40)
    terminated_on = models.DateField()
    expires_at = models.DateTimeField(db_index=True)
    key_id = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=EntryState.choices, default=EntryState.ACTIVE)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=32, choices=WithdrawalReason.choices, blank=True)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "reference"], name="receivedentry_unique_reference"
            ),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="receivedentry_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.reference} ({self.state})"


class ReceivedDigest(models.Model):
    """HMAC-SHA256 of one normalised key, under the shared key `entry.key_id`."""

    entry = models.ForeignKey(ReceivedEntry, on_delete=models.CASCADE, related_name="digests")
    kind = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["digest"], name="receiveddigest_digest_idx")]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind", "digest"], name="receiveddigest_unique"),
        ]


class ScreeningQuery(models.Model):
    """One screening: who asked, why, and the advice given. Never the applicant's identifiers."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_name = models.CharField(max_length=150)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    purpose = models.TextField()
    application_ref = models.CharField(max_length=64, blank=True)
    identifier_kinds = models.JSONField(default=list, help_text=_("Which identifiers were given"))
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    hits = models.JSONField(default=list, help_text=_("[{source, reference, verdict, matched}]"))

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="screeningquery_verdict_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("purpose")), 0), name="screeningquery_purpose_required"
            ),
        ]

    def __str__(self) -> str:
        return f"screening #{self.pk} {self.verdict}"
