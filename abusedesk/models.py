from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import TokenScope

TOKEN_PREFIX = "adk_"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class DeskPermission(models.Model):
    """Holds the desk-wide permissions; no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("work_desk", "Can work the abuse desk (queue, cases, proposals)"),
            ("view_content", "Can open message content of complaints (S1)"),
            ("view_traffic_data", "Can look up sessions and mail logs (S2)"),
            ("review_measures", "Can review and approve measures"),
            ("edit_policies", "Can edit suspension criteria and clauses"),
            ("view_dashboards", "Can see the managers' dashboards"),
        ]


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """An API key. Only its SHA-256 digest is stored; the key is shown once.

    The key is 32 random bytes, so a plain (unsalted) digest is as strong as a
    password hash here and can be looked up by index.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters of the key, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.API)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=TokenScope.values), name="apitoken_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.prefix}… ({self.user}, {self.scope}, {state})"

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit trail.

    `entry_hash` = SHA-256 over the previous entry's hash and this entry's
    canonical JSON, so editing or deleting any row breaks every later link;
    `verify_audit` names the first broken entry. Rows are never updated.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="Kept when the user is deleted")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Set once by audit_seal(), in commit order: `seq` is the entry's place in the chain.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    # Unindexed: the chain is walked in seq order, never looked up by hash.
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # Exact matches only: no LIKE companion index.
            models.Index(fields=["action"], name="audit_action_idx"),
            # What the next seal chains: the few unsealed entries, in order. The unique
            # index on seq also holds a NULL for every entry ever written (the version
            # before its seal, until vacuum), which a seal otherwise read in full.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M:%S}"
        return f"#{self.pk} {when} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"


class UserPreference(models.Model):
    """A person's language and time zone; blank means the browser's language and the site's zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(max_length=8, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.language or '-'} {self.time_zone or '-'}"
