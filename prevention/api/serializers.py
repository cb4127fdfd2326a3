from rest_framework import serializers

from abusedesk.oddtimes import SafeDateTimeField

from ..choices import ConsentChannel, FilteringAction
from ..models import FilteringConsent


class ConsentRequestSerializer(serializers.Serializer):
    subscriber = serializers.CharField(max_length=64, help_text="The ISP's customer id")
    action = serializers.ChoiceField(choices=FilteringAction.choices)
    given_at = SafeDateTimeField(help_text="When the customer gave it (with an offset)")
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    case = serializers.IntegerField(required=False, allow_null=True)


class ConsentSerializer(serializers.ModelSerializer):
    subscriber = serializers.CharField(source="subscriber.subscriber_id")
    recorded_by = serializers.CharField(source="recorded_by.username")
    instruction_status = serializers.CharField(source="instruction.status", default=None)

    class Meta:
        model = FilteringConsent
        fields = [
            "id",
            "subscriber",
            "action",
            "given_at",
            "channel",
            "note",
            "case",
            "recorded_by",
            "recorded_at",
            "instruction_status",
        ]


class FilteringStateSerializer(serializers.Serializer):
    subscriber = serializers.CharField()
    filtering = serializers.BooleanField(help_text="A consent is recorded and not withdrawn")
    history = ConsentSerializer(many=True)
