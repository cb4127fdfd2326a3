"""Measures on a customer's account, and the record behind each one.

The rules that hold whatever an ISP configures (POLICY.md, "Guards") are named
database constraints here, so a bug in a form or an import script cannot write a
measure without its justification, clause, legal basis or evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    MEASURE_BASIS_CHOICES,
    MEASURE_BASIS_VALUES,
    TARGET_KIND_CHOICES,
    TARGET_KIND_VALUES,
    AnswerChannel,
    Culpability,
    ExecutionAction,
    ExecutionStatus,
    Level,
    NoticeKind,
    Restriction,
    State,
    Target,
)

LOW_LEVELS = ["L0", "L1", "L2", "L3"]


def _not_blank(field: str):
    return GreaterThan(Length(Trim(field)), 0)


class Sanction(models.Model):
    """A measure proposed on one account (or on specific hosted content) for one case."""

    case = models.ForeignKey("complaints.Case", on_delete=models.PROTECT, related_name="sanctions")
    account = models.ForeignKey(
        "subscribers.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="sanctions"
    )
    content_ref = models.CharField(
        max_length=1000, blank=True, help_text=_("URL or path of the hosted content, for content measures")
    )
    target_kind = models.CharField(max_length=24, choices=TARGET_KIND_CHOICES)
    level = models.CharField(max_length=2, choices=Level.choices)
    recommended_level = models.CharField(
        max_length=2, blank=True, help_text=_("What the criteria recommended (blank: no measure)")
    )
    justification = models.TextField()
    # L3 is a family of targeted restrictions; the executor needs to know which one.
    restriction = models.CharField(max_length=24, choices=Restriction.choices, blank=True)
    rate_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For a send-rate cap: messages per hour allowed")
    )
    # Snapshots, not links: the record must show the clause text version and the
    # case facts as they were when the decision was taken, whatever is edited later.
    clauses = models.JSONField(
        default=list, help_text=_("[{catalogue_id, isp_number, title, version}] as cited")
    )
    legal_basis = models.CharField(max_length=32, choices=MEASURE_BASIS_CHOICES)
    legal_references = models.TextField(blank=True, help_text=_("Statutes cited, e.g. art. 11"))
    evidence_relied_on = models.JSONField(default=list, help_text=_("[{type: report|evidence, id}]"))
    culpability = models.CharField(max_length=16, choices=Culpability.choices, blank=True)
    criteria_version = models.PositiveIntegerField(null=True, blank=True)
    recommendation = models.JSONField(default=dict, blank=True)
    facts = models.JSONField(default=dict, blank=True, help_text=_("The case facts the criteria saw"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=32, choices=State.choices, default=State.PROPOSED, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    emergency = models.BooleanField(default=False, help_text=_("Carried out before approval (C-09)"))
    review_due_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    notify_due_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    carried_out_at = models.DateTimeField(null=True, blank=True)
    period_days = models.PositiveIntegerField(null=True, blank=True, help_text=_("Blank: until lifted"))
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_not_blank("justification"), name="sanction_justification_required"
            ),
            models.CheckConstraint(condition=~Q(clauses=[]), name="sanction_clause_required"),
            models.CheckConstraint(
                condition=Q(legal_basis__in=MEASURE_BASIS_VALUES), name="sanction_legal_basis_required"
            ),
            models.CheckConstraint(condition=~Q(evidence_relied_on=[]), name="sanction_evidence_required"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="sanction_level_valid"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="sanction_state_valid"),
            models.CheckConstraint(
                condition=(Q(target_kind=Target.HOSTING_CONTENT) & ~Q(content_ref=""))
                | (
                    Q(target_kind__in=[t for t in TARGET_KIND_VALUES if t != Target.HOSTING_CONTENT])
                    & Q(account__isnull=False)
                ),
                name="sanction_target_named",
            ),
            # POLICY.md: no measure above L3 without a recorded culpability.
            models.CheckConstraint(
                condition=Q(level__in=LOW_LEVELS) | Q(culpability__in=Culpability.values),
                name="sanction_culpability_above_l3",
            ),
            # POLICY.md: a victim case never advances to L7 (undetermined counts as victim).
            models.CheckConstraint(
                condition=~Q(level="L7") | Q(culpability=Culpability.INTENTIONAL),
                name="sanction_no_l7_unless_intentional",
            ),
            models.CheckConstraint(
                condition=Q(emergency=False) | Q(review_due_at__isnull=False, notify_due_at__isnull=False),
                name="sanction_emergency_has_deadlines",
            ),
            # A restriction is an L3 measure; a cap has a rate, nothing else has one.
            models.CheckConstraint(
                condition=Q(restriction="") | Q(level="L3"), name="sanction_restriction_is_l3"
            ),
            models.CheckConstraint(
                condition=(
                    Q(restriction__in=["send_rate_cap", "foreign_login_cap"], rate_per_hour__gte=1)
                    | (
                        ~Q(restriction__in=["send_rate_cap", "foreign_login_cap"])
                        & Q(rate_per_hour__isnull=True)
                    )
                ),
                name="sanction_cap_has_rate",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="sanction_queue_idx")]

    def __str__(self) -> str:
        return f"Sanction {self.pk}: {self.level} on {self.target_label} ({self.state})"

    @property
    def target_label(self) -> str:
        if self.target_kind == Target.HOSTING_CONTENT:
            return self.content_ref
        return self.account.account_id if self.account_id else "?"

    @property
    def reference(self) -> str:
        return f"ADS-{self.pk:06d}"


class Transition(models.Model):
    """One edge taken in the lifecycle: who, when, why. Never updated."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, choices=State.choices)
    to_state = models.CharField(max_length=32, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text=_("Kept when the user is deleted"))
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=_not_blank("reason"), name="transition_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} by {self.actor_name}"


class Notice(models.Model):
    """A message to the customer. The body is kept as sent; it never names a complainant."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    language = models.CharField(max_length=8)
    to = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    respond_by = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # see complaints.Forward.claimed_at
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to or '?'} ({self.language})"


class HearingAnswer(models.Model):
    """What the customer said, as received (by mail, phone, letter), recorded by staff."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="hearing_answers")
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=16, blank=True, choices=AnswerChannel.choices)
    text = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_not_blank("text"), name="hearing_answer_text_required"),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=AnswerChannel.values),
                name="hearing_answer_channel_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer on {self.sanction_id} at {self.received_at:%Y-%m-%d %H:%M}"


class Execution(models.Model):
    """An instruction to carry out or lift a measure, and its answer.

    At most one per sanction and action: that unique constraint is what makes a
    second approval (or a re-sent task) unable to execute a measure twice.
    """

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="executions")
    action = models.CharField(max_length=16, choices=ExecutionAction.choices)
    executor = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING)
    request = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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
            models.UniqueConstraint(fields=["sanction", "action"], name="execution_once_per_action"),
            models.CheckConstraint(
                condition=Q(status=ExecutionStatus.CONFIRMED, confirmed_at__isnull=False)
                | (~Q(status=ExecutionStatus.CONFIRMED) & Q(confirmed_at__isnull=True)),
                name="execution_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of sanction {self.sanction_id} ({self.status})"


class EvaluatedFacts(models.Model):
    """The facts the case's last full evaluation read, beside its recommendation.

    After a criteria edit a case whose facts have not changed since (`read_at` ≥
    `Case.facts_changed_at`) is evaluated again on these instead of reading its
    reports, evidence and mail log once more (sanctions.services.recommend). Only
    what the case's own rows cannot give is kept; what depends on the time of the
    evaluation is kept as instants (report times), never as a yes/no.
    """

    case = models.OneToOneField(
        "complaints.Case", primary_key=True, on_delete=models.CASCADE, related_name="evaluated_facts"
    )
    # When the evaluation that wrote them started reading (its `recommended_at`).
    read_at = models.DateTimeField()
    facts = models.JSONField()

    def __str__(self) -> str:
        return f"facts of case {self.case_id} read at {self.read_at:%Y-%m-%d %H:%M}"


class QueuedEvaluation(models.Model):
    """A case whose re-evaluation is waiting in the broker's queue.

    Every report grouped into or attributed to a case announces a change, and each
    change used to queue an evaluation. In a burst (one spam run reported thousands
    of times) the queue then held one evaluation per report for the same case, and
    each found the case changed again by the report before it: the workers spent
    more time evaluating than processing. A change now queues an evaluation only
    when none is waiting for the case (sanctions.services.recommend.
    evaluations_queue); the task deletes this row before it reads, so a change
    committed after that queues the next one. A row older than
    QUEUED_EVALUATION_EXPIRY (a lost message) no longer holds anything back, and the
    periodic sweep of stale cases evaluates the case meanwhile.

    Not a record of anything: a marker kept by the case's id alone (no foreign key:
    a case deleted meanwhile leaves a row the next sweep ignores).
    """

    case_id = models.BigIntegerField(primary_key=True)
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"evaluation of case {self.case_id} queued at {self.queued_at:%Y-%m-%d %H:%M:%S}"
