from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from abusedesk.oddtimes import SafeDateTimeField

from ..choices import Verdict

ADVICE = _(
    "Advice for the person deciding on the application, never an automatic refusal: "
    "a match is a reason to look closer and to ask the applicant, not a decision."
)


class ScreeningRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kana = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    card = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=128,
        help_text=_("The payment processor's card fingerprint"),
    )
    purpose = serializers.CharField(max_length=500, help_text=_("Why this applicant is screened (audited)"))
    application_ref = serializers.CharField(required=False, allow_blank=True, max_length=64)


class HitSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["own", "exchange"])
    isp = serializers.CharField()
    reference = serializers.CharField(
        help_text=_("Our measure reference, or the sending ISP's entry reference")
    )
    case = serializers.IntegerField(allow_null=True)
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    matched = serializers.DictField(child=serializers.ChoiceField(choices=["exact", "near"]))


class ScreeningResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    at = SafeDateTimeField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    advice = serializers.SerializerMethodField()
    hits = HitSerializer(many=True)

    def get_advice(self, obj) -> str:
        return str(ADVICE)


class ImportOutcomeSerializer(serializers.Serializer):
    transfer = serializers.IntegerField(source="pk")
    entries = serializers.IntegerField(source="entry_count")
    withdrawals = serializers.IntegerField(source="withdrawal_count")
    outcome = serializers.DictField(child=serializers.IntegerField())
