from __future__ import annotations

import ipaddress
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from abusedesk.oddtimes import SafeDateTimeField
from complaints.attribution.explain import explain
from complaints.choices import ConfirmationKind
from complaints.models import Case, CaseConfirmation, Evidence, Forward, Hop, Report
from complaints.validation import CATEGORIES, event_time_problem, zone_id_problem


def plausible_event_time(value: datetime) -> datetime:
    """The time of a reported event, or a ValidationError saying why it cannot be one."""
    problem = event_time_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


def refuse_zone_id(value: str) -> str:
    problem = zone_id_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"not_a_string": _("must be a JSON string, not %(kind)s")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string", kind=type(data).__name__)
        return super().to_internal_value(data)


class ReportAcceptedSerializer(serializers.Serializer):
    """The answer to a report stored for the workers to process (202)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text='"received" until a worker has processed it')
    url = serializers.URLField(help_text="GET it for the status and, once processed, the parsed facts")


class PlainReportSerializer(serializers.Serializer):
    """The short JSON form: what a partner or a caller on the phone can tell."""

    source_ip = serializers.IPAddressField(help_text="Address the spam came from")
    occurred_at = SafeDateTimeField(help_text="ISO 8601 with a zone offset")
    category = serializers.ChoiceField(choices=CATEGORIES, default="spam")
    message = serializers.CharField(required=False, allow_blank=True, max_length=10 * 1024 * 1024)
    reporter = serializers.EmailField(required=False, help_text="Who complained, if not the partner itself")

    def validate_source_ip(self, value):
        # IPAddressField drops a zone id silently; refuse it from what was sent.
        refuse_zone_id(str(self.initial_data.get("source_ip", "")))
        return value

    def validate_occurred_at(self, value):
        refuse_naive_time(self.initial_data.get("occurred_at", ""))
        return plausible_event_time(value)


NEEDS_OFFSET = _("needs a zone offset, e.g. 2026-11-20T14:30:05+09:00")


def _names_an_offset(raw) -> bool:
    try:
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:
        return True  # not a date at all: the field's own check says so
    return parsed is None or parsed.tzinfo is not None


def refuse_naive_time(raw) -> None:
    """A time without a UTC offset is some zone's wall clock, up to 14 hours either way
    of UTC: too loose to tell which customer held a dynamic address. RFC 3339 (XARF v4's
    date-time) requires the offset; the desk refuses rather than guess UTC."""
    if not _names_an_offset(raw):
        raise serializers.ValidationError(NEEDS_OFFSET)


def _address_with_port(value: str) -> bool:
    """192.0.2.1:25 or [2001:db8::1]:25: an address with its port in one field."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return "." in host or host.startswith("[")


def _is_host_or_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return (
            bool(value)
            and all(part and len(part) < 64 for part in value.rstrip(".").split("."))
            and "." in value
        )


class XarfV4Serializer(serializers.Serializer):
    """The XARF v4 fields the desk relies on; everything else is kept as received."""

    xarf_version = StrictCharField(help_text="A string, e.g. \"4.0.0\"")
    category = StrictCharField()
    type = StrictCharField()
    timestamp = SafeDateTimeField()
    source_identifier = StrictCharField()
    reporter = serializers.DictField()

    def validate_xarf_version(self, value):
        if not value.strip().startswith("4"):
            raise serializers.ValidationError(_("only XARF version 4 is accepted as JSON here"))
        return value

    def validate_timestamp(self, value):
        refuse_naive_time(self.initial_data.get("timestamp", ""))
        return plausible_event_time(value)

    def validate_source_identifier(self, value):
        refuse_zone_id(value.strip())
        if _address_with_port(value.strip()):
            raise serializers.ValidationError(_("an address with a port: give the port in source_port"))
        if not _is_host_or_ip(value.strip()):
            raise serializers.ValidationError(_("not an IP address or host name"))
        return value

    def validate_reporter(self, value):
        if not isinstance(value.get("contact"), str) or "@" not in value.get("contact", ""):
            raise serializers.ValidationError(_("reporter.contact must be an e-mail address"))
        return value


def xarf_v3_errors(data: dict) -> dict[str, list[str]]:
    """XARF v3 in both published shapes: abusix (Report.SourceIp) and the spec's (Report.Source.IP)."""
    errors: dict[str, list[str]] = {}
    report = data.get("Report") if isinstance(data.get("Report"), dict) else {}
    source = report.get("Source") if isinstance(report.get("Source"), dict) else {}

    def first(*pairs):
        for name, holder in pairs:
            if name in holder:
                return name, holder[name]
        return None, None

    name, ip = first(("SourceIp", report), ("SourceIp", data), ("IP", source))
    if name is not None:
        try:
            ipaddress.ip_address(str(ip))
        except ValueError:
            errors[f"Report.{'Source.' if name == 'IP' else ''}{name}"] = [str(_("not an IP address"))]
    name, port = first(("SourcePort", report), ("SourcePort", data), ("Port", source))
    if name is not None and not (isinstance(port, int) and 0 <= port <= 65535):
        errors["Report.SourcePort"] = [str(_("not a port number 0-65535"))]
    name, date = first(("Date", report), ("Date", data))
    if name is not None and (not isinstance(date, str) or parse_datetime(date) is None):
        errors["Report.Date"] = [str(_("not an ISO 8601 date"))]
    elif name is not None and not _names_an_offset(date):
        errors["Report.Date"] = [str(NEEDS_OFFSET)]
    return errors


class HopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hop
        fields = [
            "position",
            "from_name",
            "from_rdns",
            "from_address",
            "by_name",
            "with_protocol",
            "hop_id",
            "time",
            "trusted",
            "is_origin",
        ]


class ReportPartnerSerializer(serializers.ModelSerializer):
    """What a partner sees: its report and our progress, never our subscriber."""

    reference = serializers.CharField(read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "reference",
            "status",
            "received_at",
            "format",
            "category",
            "source_ip",
            "occurred_at",
            "subject",
            "message_id",
            "url_hosts",
        ]


class CaseBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "key", "kind", "subject", "status", "report_count", "reporter_count"]


class FindingsSerializer(serializers.Serializer):
    """The attribution as people read it (complaints.attribution.explain), in the
    request's language: where the origin came from, evidence of a compromise apart
    from mere signals, and every step as a sentence."""

    origin = serializers.DictField(allow_null=True, help_text="ip, basis (field/walked/stated), confirmed")
    origin_bases = serializers.ListField(child=serializers.DictField(), help_text="per basis: reports")
    message_kind = serializers.DictField()
    message_kinds = serializers.ListField(child=serializers.DictField())
    compromise = serializers.ListField(child=serializers.DictField(), help_text="evidence of a compromise")
    signals = serializers.ListField(child=serializers.DictField(), help_text="seen, but not evidence")
    steps = serializers.ListField(child=serializers.DictField(), help_text="code, weight, text")


class FactStepSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The step's code, stable across languages")
    text = serializers.CharField(help_text="The step as a sentence, in the request's language")
    evidence = serializers.ListField(child=serializers.IntegerField(), help_text="Evidence ids it rests on")
    reports = serializers.ListField(child=serializers.IntegerField(), help_text="Report ids it was found in")
    count = serializers.IntegerField(help_text="How many reports showed it")


class JoeJobCustomerSerializer(serializers.Serializer):
    subscriber = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    named_in = serializers.ListField(child=serializers.CharField(), help_text="from, envelope, url")
    status = serializers.ChoiceField(choices=["joe_job", "sender", "undetermined"])
    reports = serializers.ListField(child=serializers.IntegerField())


class JoeJobFactSerializer(serializers.Serializer):
    value = serializers.BooleanField(help_text="Only forged sender information points at us: closes at L0")
    customers = JoeJobCustomerSerializer(many=True)
    not_blamed = serializers.ListField(
        child=serializers.CharField(), help_text="Subscribers whose name was forged"
    )
    sender_is_customer = serializers.BooleanField()
    steps = FactStepSerializer(many=True)


class SharedIpv4FactSerializer(serializers.Serializer):
    value = serializers.BooleanField(help_text="A shared address identifies nobody: no account may be named")
    identified = serializers.BooleanField(allow_null=True, help_text="Null: no shared address is involved")
    address = serializers.CharField(allow_null=True, help_text="The shared IPv4 address")
    port = serializers.IntegerField(allow_null=True, help_text="The source port the report gave, if any")
    account = serializers.CharField(allow_null=True, help_text="The account the port identifies, if any")
    how = serializers.ChoiceField(
        choices=["natlog", "map_e"], allow_null=True, help_text="NAT port-block log or MAP-E rule"
    )
    steps = FactStepSerializer(many=True)


class CodesFactSerializer(serializers.Serializer):
    value = serializers.ListField(child=serializers.CharField(), help_text="Codes, e.g. forged_sender")
    labels = serializers.ListField(child=serializers.CharField(), help_text="The codes in words")
    steps = FactStepSerializer(many=True)


class TelemetryFactSerializer(CodesFactSerializer):
    unknown_recipients = serializers.IntegerField(help_text="Recipients that did not exist (our mail log)")
    recipients_seen = serializers.IntegerField()


class SenderAuthenticationFactSerializer(serializers.Serializer):
    reports = serializers.IntegerField(help_text="Reports evaluated")
    results = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Per check (spf_mail_from, spf_from, dkim, dmarc): result -> reports",
    )
    steps = FactStepSerializer(many=True)


class FactsSerializer(serializers.Serializer):
    """Facts derived from the records (never typed), each with the steps and evidence behind it."""

    joe_job = JoeJobFactSerializer()
    shared_ipv4 = SharedIpv4FactSerializer()
    aggravating = CodesFactSerializer()
    telemetry = TelemetryFactSerializer()
    sender_authentication = SenderAuthenticationFactSerializer()


class ConfirmationSerializer(serializers.ModelSerializer):
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = CaseConfirmation
        fields = ["id", "kind", "statement", "recorded_by", "recorded_at"]


class ConfirmationRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConfirmationKind.choices)
    statement = serializers.CharField(max_length=2000, help_text="What was said or checked, and how")


class ReportStaffSerializer(serializers.ModelSerializer):
    """A report as desk staff see it. What the message said (its subject, the links in
    it) is content (S1): only the content endpoint gives it, with a recorded purpose."""

    reference = serializers.CharField(read_only=True)
    hops = HopSerializer(many=True, read_only=True)
    case = CaseBriefSerializer(read_only=True)
    partner = serializers.StringRelatedField()
    problems = serializers.SerializerMethodField()
    rcpt_to = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "reference",
            "status",
            "status_reason",
            "channel",
            "partner",
            "received_at",
            "raw_sha256",
            "size",
            "format",
            "category",
            "source_ip",
            "occurred_at",
            "reporter",
            "message_id",
            "mail_from",
            "header_from",
            "rcpt_to",
            "authenticated_as",
            "url_hosts",
            "problems",
            "hops",
            "case",
            "attribution",
            "findings",
        ]

    @extend_schema_field(FindingsSerializer)
    def get_findings(self, obj) -> dict:
        return explain(obj.attribution)

    def get_problems(self, obj) -> list[str]:
        return list(obj.facts.get("problems") or [])

    def get_rcpt_to(self, obj) -> list[str]:
        return list(obj.facts.get("rcpt_to") or [])



class ReportStaffListItemSerializer(ReportStaffSerializer):
    """A row of the staff's report list: without the attribution (S2, shown only
    within a case or one of its reports, where the view is recorded)."""

    class Meta(ReportStaffSerializer.Meta):
        fields = [f for f in ReportStaffSerializer.Meta.fields if f not in ("attribution", "findings")]


class CaseSerializer(serializers.ModelSerializer):
    assignee = serializers.StringRelatedField()
    evidence = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    facts = serializers.SerializerMethodField()
    confirmations = ConfirmationSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "key",
            "kind",
            "subject",
            "status",
            "source",
            "assignee",
            "report_count",
            "reporter_count",
            "first_seen",
            "last_seen",
            "created_at",
            "last_activity_at",
            "roles",
            "sending_method",
            "accounts",
            "account_kinds",
            "attribution",
            "findings",
            "evidence_level",
            "recommended_level",
            "recommendation",
            "facts",
            "confirmations",
            "evidence",
        ]

    @extend_schema_field(FactsSerializer)
    def get_facts(self, obj) -> dict:
        from complaints.selectors import case_facts_shown

        return case_facts_shown(obj)

    @extend_schema_field(FindingsSerializer)
    def get_findings(self, obj) -> dict:
        return explain(obj.attribution)

    def get_evidence(self, obj) -> list[dict]:
        return EvidenceSerializer(obj.evidence.order_by("-asked_at")[:200], many=True).data


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = [
            "id",
            "subject",
            "kind",
            "query_name",
            "query_type",
            "zone",
            "zone_kind",
            "server",
            "asked_at",
            "outcome",
            "answer",
            "ttl",
            "listed",
            "digest",
        ]


class ContentRequestSerializer(serializers.Serializer):
    purpose = serializers.CharField(
        min_length=5, max_length=500, help_text="Why you need to read the content"
    )


class ForwardRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=Forward.Format.choices, default="arf")
    to = serializers.EmailField(
        required=False, help_text="Defaults to the responsible network's abuse contact"
    )
    consent = serializers.BooleanField(
        default=False,
        help_text="The complainant agreed to the forward: required (with a reason saying how) for spam "
        "our customers received (rule 13)",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReattributeRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the attribution is being corrected")


class ForwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    to = serializers.EmailField()
    format = serializers.CharField()
    report = serializers.IntegerField(source="report_id")
    message_id = serializers.CharField()
    body_sha256 = serializers.CharField()
    requested_at = SafeDateTimeField()
    sent_at = SafeDateTimeField(allow_null=True)
    # A failed send: the mail server's answer, and how often it was tried (the sweep retries).
    error = serializers.CharField()
    attempts = serializers.IntegerField()


class CaseListItemSerializer(CaseSerializer):
    """A queue row: the case without its evidence list (one query per page, not per case),
    and without the attribution's steps: which address at which instant was whose
    session or login is traffic data (S2 in POLICY.md), shown only within a case."""

    class Meta(CaseSerializer.Meta):
        fields = [
            f
            for f in CaseSerializer.Meta.fields
            if f not in ("evidence", "confirmations", "recommendation", "facts", "attribution", "findings")
        ] + ["first_action_at"]
