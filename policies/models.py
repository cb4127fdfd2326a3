"""Contract clauses and suspension criteria, both versioned: a version, once written, stays.

Editing goes through `policies.services` (criteria_edit, clause_edit), which
writes a new version; saving or deleting an existing row raises, so a decision
that cites a version can always show what that version said.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Approval, Culpability, EvidenceLevel, ForwardTo, RuleKind, Target
from .snapshot import (
    DEFAULT_EMERGENCY_REVIEW_HOURS,
    DEFAULT_MADE_UP_MINIMUM,
    DEFAULT_MADE_UP_PERCENT,
    DEFAULT_REPEAT_COUNT,
    DEFAULT_REPEAT_MONTHS,
    DEFAULT_REPORTERS,
    DEFAULT_REVIEW_HOURS,
    DEFAULT_VOLUME_ADDRESSES,
    DEFAULT_VOLUME_DOMAINS,
    DEFAULT_VOLUME_MESSAGES,
    DEFAULT_VOLUME_NEW_NETWORKS,
    DEFAULT_VOLUME_RECIPIENTS,
    DEFAULT_VOLUME_UNKNOWN_MINIMUM,
    DEFAULT_VOLUME_UNKNOWN_PERCENT,
    DEFAULT_WINDOW_DAYS,
    VOLUME_FIELDS,
)


class ImmutableVersion(Exception):
    """A stored clause or criteria version was about to change."""


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersion(f"{self._meta.label} {self.pk} is a stored version; write a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersion(f"{self._meta.label} {self.pk} is a stored version; it is never deleted")


class Clause(_WriteOnce):
    """One version of one catalogue clause (sub-items like C-03a are rows of their own)."""

    catalogue_id = models.CharField(max_length=8, db_index=True, help_text=_("Our id, e.g. C-03 or C-03a"))
    version = models.PositiveIntegerField(default=1)
    isp_number = models.CharField(
        max_length=100, blank=True, help_text=_("The ISP's own article number, e.g. 第12条第1項第3号")
    )
    title = models.CharField(max_length=200)
    title_ja = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    effective_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["catalogue_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue_id", "version"], name="clause_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="clause_version_positive"),
        ]

    def __str__(self) -> str:
        number = f" ({self.isp_number})" if self.isp_number else ""
        return f"{self.catalogue_id}{number} {self.title} v{self.version}"


class CriteriaSet(_WriteOnce):
    """One version of the whole set of rules. Exactly one is active.

    `is_active` is the only column that ever changes, and only through
    `criteria_edit` (a queryset update, which bypasses the write-once save).
    """

    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    review_hours = models.PositiveIntegerField(
        default=DEFAULT_REVIEW_HOURS, help_text=_("Review a restriction within this many hours")
    )
    emergency_review_hours = models.PositiveIntegerField(
        default=DEFAULT_EMERGENCY_REVIEW_HOURS,
        help_text=_("Review an emergency measure within this many hours"),
    )
    made_up_percent = models.PositiveIntegerField(
        default=DEFAULT_MADE_UP_PERCENT,
        help_text=_("Mail to made-up addresses: at least this percentage of recipients did not exist"),
    )
    made_up_minimum = models.PositiveIntegerField(
        default=DEFAULT_MADE_UP_MINIMUM,
        help_text=_("Mail to made-up addresses: counted over at least this many recipients"),
    )
    # Volume limits on our own mail servers, per login and hour (prevention.volume).
    volume_messages = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_MESSAGES, help_text=_("Messages submitted by one login in one hour")
    )
    volume_recipients = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_RECIPIENTS, help_text=_("Recipients of one login's mail in one hour")
    )
    volume_domains = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_DOMAINS, help_text=_("Distinct recipient domains of one login in one hour")
    )
    volume_unknown_percent = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_UNKNOWN_PERCENT,
        help_text=_("Percentage of one login's recipients in one hour that did not exist"),
    )
    volume_unknown_minimum = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_UNKNOWN_MINIMUM,
        help_text=_("The unknown-recipient share counts from this many recipients in the hour"),
    )
    volume_new_networks = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_NEW_NETWORKS,
        help_text=_("Client networks (/24 or /48) of one login in one hour not seen in the 30 days before"),
    )
    volume_addresses = models.PositiveIntegerField(
        default=DEFAULT_VOLUME_ADDRESSES, help_text=_("Distinct client addresses of one login in one hour")
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="criteriaset_one_active"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="criteriaset_version_positive"),
            models.CheckConstraint(
                condition=Q(made_up_percent__gte=1, made_up_percent__lte=100),
                name="criteriaset_made_up_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(made_up_minimum__gte=1), name="criteriaset_made_up_minimum_positive"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1}), name=f"criteriaset_{name}_positive"
                )
                for name in VOLUME_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(volume_unknown_percent__lte=100), name="criteriaset_volume_unknown_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Criteria v{self.version}" + (" (active)" if self.is_active else "")


def _empty_list():
    return []


class Rule(_WriteOnce):
    """One rule of one criteria version. See policies.snapshot for what each field means."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="rules")
    key = models.CharField(max_length=16, help_text=_("The rule's number, e.g. 1 to 14"))
    kind = models.CharField(max_length=20, choices=RuleKind.choices, default=RuleKind.CASE)
    position = models.PositiveIntegerField(default=0, help_text=_("Matching order: lower is tried first"))
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # What the rule matches; an empty list matches anything.
    methods = models.JSONField(default=_empty_list, blank=True)
    account_kinds = models.JSONField(default=_empty_list, blank=True)
    connection_types = models.JSONField(default=_empty_list, blank=True)
    roles = models.JSONField(default=_empty_list, blank=True)
    hijack_kinds = models.JSONField(default=_empty_list, blank=True)
    requires = models.JSONField(default=_empty_list, blank=True)
    # Culpability and thresholds.
    default_culpability = models.CharField(
        max_length=16, choices=Culpability.choices, default=Culpability.UNDETERMINED
    )
    intentional_at = models.CharField(max_length=2, choices=EvidenceLevel.choices, blank=True, default="")
    intentional_if_sender = models.BooleanField(default=False)
    reporters_n = models.PositiveIntegerField(default=DEFAULT_REPORTERS)
    window_days = models.PositiveIntegerField(default=DEFAULT_WINDOW_DAYS)
    repeat_count = models.PositiveIntegerField(default=DEFAULT_REPEAT_COUNT)
    repeat_window_months = models.PositiveIntegerField(default=DEFAULT_REPEAT_MONTHS)
    # What it recommends: defaults for every step, then the ladder of steps.
    target = models.CharField(max_length=20, choices=Target.choices, default=Target.NONE)
    forward_to = models.CharField(max_length=20, choices=ForwardTo.choices, blank=True, default="")
    clauses = models.JSONField(default=_empty_list, blank=True)
    legal_basis = models.JSONField(default=_empty_list, blank=True)
    ladder = models.JSONField(default=_empty_list)

    class Meta:
        ordering = ["criteria_set", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "key"], name="rule_unique_key_per_set"),
            models.CheckConstraint(condition=Q(reporters_n__gte=1), name="rule_reporters_n_positive"),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="rule_window_days_positive"),
            models.CheckConstraint(condition=Q(repeat_count__gte=1), name="rule_repeat_count_positive"),
        ]

    def __str__(self) -> str:
        return f"Rule {self.key} (v{self.criteria_set.version}): {self.title}"

    @property
    def highest_approval(self) -> str:
        ranks = {value: rank for rank, value in enumerate(Approval.values)}
        approvals = [step.get("approval", Approval.STAFF) for step in self.ladder]
        return max(approvals, key=ranks.__getitem__, default=Approval.STAFF)


# Fields copied from one version to the next and compared to report what changed.
RULE_DATA_FIELDS = [f.name for f in Rule._meta.concrete_fields if f.name not in ("id", "criteria_set")]
