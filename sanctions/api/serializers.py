from __future__ import annotations

from rest_framework import serializers

from abusedesk.oddtimes import SafeDateTimeField

from ..choices import (
    MEASURE_BASIS_CHOICES,
    TARGET_KIND_CHOICES,
    AnswerChannel,
    Culpability,
    Level,
    Restriction,
)
from ..forms import REQUIRED
from ..models import Execution, HearingAnswer, Notice, Sanction, Transition
from ..services.transition import sanction_revision


class ProposeSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    account = serializers.CharField(required=False, allow_blank=True, help_text="The account's id, e.g. M-1")
    content_ref = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    target_kind = serializers.ChoiceField(choices=TARGET_KIND_CHOICES, required=False)
    level = serializers.ChoiceField(choices=Level.choices)
    restriction = serializers.ChoiceField(
        choices=Restriction.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Which targeted L3 restriction (blank: none named)",
    )
    rate_per_hour = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="A cap's messages per hour"
    )
    justification = serializers.CharField(
        trim_whitespace=True,
        error_messages={"blank": REQUIRED["justification"], "required": REQUIRED["justification"]},
    )
    clauses = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=False,
        error_messages={"empty": REQUIRED["clauses"], "required": REQUIRED["clauses"]},
    )
    legal_basis = serializers.ChoiceField(
        choices=MEASURE_BASIS_CHOICES,
        error_messages={"required": REQUIRED["legal_basis"], "invalid_choice": REQUIRED["legal_basis"]},
    )
    legal_references = serializers.CharField(required=False, allow_blank=True)
    evidence_relied_on = serializers.ListField(
        child=serializers.CharField(help_text='"report:<id>" or "evidence:<id>"'),
        allow_empty=False,
        error_messages={"empty": REQUIRED["evidence_relied_on"], "required": REQUIRED["evidence_relied_on"]},
    )
    culpability = serializers.ChoiceField(
        choices=Culpability.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank: none recorded (treated as a victim's; refused from L4 on)",
    )
    period_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)
    emergency = serializers.BooleanField(required=False, default=False)


class ReviseSerializer(ProposeSerializer):
    """A proposal sent back for more evidence, revised by its proposer and resubmitted.
    What it acts on (case, account, content, target kind) and the emergency request stay."""

    case = None
    account = None
    content_ref = None
    target_kind = None
    emergency = None
    reason = serializers.CharField(
        help_text="What changed, for the reviewer (recorded with the resubmission)",
        error_messages={"blank": "Say what you changed: a comment is required."},
    )


class TransitionRequestSerializer(serializers.Serializer):
    to_state = serializers.CharField()
    reason = serializers.CharField(error_messages={"blank": "Say why: a reason is required."})
    seen_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="The sanction's `revision` as you read it: the decision is refused (409) "
        "when the measure changed since (revised and resubmitted, or decided)",
    )


class EmergencyRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the measure cannot wait for approval")
    seen_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="The sanction's `revision` as you read it: refused (409) when the measure changed since",
    )


class ConfirmRequestSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What was done (required for an emergency)"
    )


class HearingAnswerRequestSerializer(serializers.Serializer):
    received_at = SafeDateTimeField()
    channel = serializers.ChoiceField(choices=AnswerChannel.choices, default="", allow_blank=True)
    text = serializers.CharField()


class TransitionSerializer(serializers.ModelSerializer):
    # Plain strings: the states' enum is the Sanction's `state` (one name in the schema).
    from_state = serializers.CharField()
    to_state = serializers.CharField()

    class Meta:
        model = Transition
        fields = ["action", "from_state", "to_state", "actor_name", "at", "reason"]


class NoticeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="notice, hearing or lift")

    class Meta:
        model = Notice
        fields = ["id", "kind", "language", "to", "subject", "created_at", "respond_by", "sent_at", "error"]


class HearingAnswerSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.get_username")

    class Meta:
        model = HearingAnswer
        fields = ["id", "received_at", "channel", "text", "recorded_by", "recorded_at"]


class ExecutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Execution
        fields = [
            "id",
            "action",
            "executor",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "requested_at",
            "confirmed_at",
        ]


class SanctionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.account_id", default=None)
    proposed_by = serializers.CharField(source="proposed_by.get_username")
    decided_by = serializers.CharField(source="decided_by.get_username", default=None)
    transitions = TransitionSerializer(many=True)
    notices = NoticeSerializer(many=True)
    hearing_answers = HearingAnswerSerializer(many=True)
    executions = ExecutionSerializer(many=True)
    revision = serializers.SerializerMethodField(
        help_text="Changes whenever the measure changes: send it back as `seen_revision` with a decision"
    )

    class Meta:
        model = Sanction
        fields = [
            "id",
            "reference",
            "case",
            "account",
            "content_ref",
            "target_kind",
            "level",
            "restriction",
            "rate_per_hour",
            "recommended_level",
            "justification",
            "clauses",
            "legal_basis",
            "legal_references",
            "evidence_relied_on",
            "culpability",
            "criteria_version",
            "recommendation",
            "state",
            "emergency",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "review_due_at",
            "reviewed_at",
            "notify_due_at",
            "notified_at",
            "carried_out_at",
            "period_days",
            "ends_at",
            "transitions",
            "notices",
            "hearing_answers",
            "executions",
            "revision",
        ]

    def get_revision(self, obj) -> int:
        return sanction_revision(obj)
