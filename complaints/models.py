from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abusedesk.choices import SendingMethod

from .choices import (
    CaseKind,
    CaseResolution,
    CaseSource,
    CaseStatus,
    Channel,
    ConfirmationKind,
    ReportFormat,
    ReportStatus,
)


class Partner(models.Model):
    """A partner ISP filing reports over the API. Its user has no password and no role."""

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner")
    contact_email = models.EmailField(blank=True)
    rate_limit = models.CharField(
        max_length=20, default="120/min", help_text=_("Requests allowed, e.g. 120/min or 5000/day")
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """Reports that accuse the same resource: one spam run is one case."""

    key = models.CharField(
        max_length=200, help_text=_("The accused resource, e.g. session:42 or host:x.example")
    )
    kind = models.CharField(max_length=16, choices=CaseKind.choices)
    subject = models.CharField(max_length=255, help_text=_("What is accused, for people"))
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    source = models.CharField(max_length=16, choices=CaseSource.choices, default=CaseSource.REPORTS)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    report_count = models.PositiveIntegerField(default=0)
    reporter_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=32, blank=True, choices=CaseResolution.choices)

    # Attribution rolled up from the reports (see complaints.attribution).
    roles = models.JSONField(default=list, blank=True)
    sending_method = models.CharField(max_length=32, blank=True, choices=SendingMethod.choices)
    account_kinds = models.JSONField(default=list, blank=True)
    accounts = models.JSONField(default=list, blank=True)
    attribution = models.JSONField(null=True, blank=True)
    # The same lists as ",a,b," text, so the queue can filter and search them on
    # SQLite and PostgreSQL alike (JSON containment is not portable).
    roles_text = models.CharField(max_length=120, blank=True)
    account_kinds_text = models.CharField(max_length=60, blank=True)
    accounts_text = models.CharField(max_length=500, blank=True)

    # Written by the sanctions side after evaluating the criteria.
    evidence_level = models.CharField(max_length=2, blank=True)
    recommended_level = models.CharField(max_length=2, blank=True)
    recommendation = models.JSONField(null=True, blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)
    # When something the recommendation reads last changed (reports, attribution,
    # evidence, confirmations, status): a recommendation older than this is stale.
    facts_changed_at = models.DateTimeField(null=True, blank=True)

    # The first thing a person did about it (assign, forward, propose, close): the SLA clock.
    first_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one open case per accused resource; concurrent intake
            # relies on this to never create a duplicate.
            models.UniqueConstraint(
                fields=["key"], condition=Q(status=CaseStatus.OPEN), name="case_one_open_per_key"
            ),
            models.CheckConstraint(
                condition=Q(resolution="") | Q(resolution__in=CaseResolution.values),
                name="case_resolution_known",
            ),
            models.CheckConstraint(
                condition=Q(sending_method="") | Q(sending_method__in=SendingMethod.values),
                name="case_sending_method_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-last_activity_at"], name="case_queue_idx"),
            models.Index(fields=["status", "created_at"], name="case_untouched_idx"),
            # Exact matches only (the queue's filters): no LIKE companion indexes.
            models.Index(fields=["sending_method"], name="case_sending_method_idx"),
            models.Index(fields=["evidence_level"], name="case_evidence_level_idx"),
            models.Index(fields=["recommended_level"], name="case_recommended_level_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.subject}"


class CaseConfirmation(models.Model):
    """A fact a person established outside the reports, with who recorded it and why.

    The customer's own confirmation that their machine was compromised is evidence of
    a hijacked host; staff confirming an origin that a complainant only stated lets it
    count as evidence. Never edited: the record is what was said at the time.
    """

    Kind = ConfirmationKind

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="confirmations")
    kind = models.CharField(max_length=16, choices=ConfirmationKind.choices)
    statement = models.TextField(help_text=_("What was said or checked, and how (call, e-mail, hearing)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="caseconfirmation_statement_required"),
            models.CheckConstraint(
                condition=Q(kind__in=ConfirmationKind.values), name="caseconfirmation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (case {self.case_id})"


class Report(models.Model):
    """One complaint, stored byte-for-byte as received, with the facts parsed from it."""

    # What arrived, written before anything else happens.
    raw = models.BinaryField()
    # Unindexed: a digest is looked up in ReportDigest, which holds the uniqueness.
    raw_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    reporter_key = models.CharField(
        max_length=320, help_text=_("Who sent it: partner:<name>, email:<address> or user:<name>")
    )
    # report_partner_idx (partner, -received_at) serves the foreign key too.
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    status_reason = models.TextField(blank=True)

    # Parsed facts (see complaints.parsing.ParsedReport).
    format = models.CharField(max_length=20, choices=ReportFormat.choices, blank=True)
    category = models.CharField(max_length=40, blank=True)
    reporter = models.CharField(max_length=320, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    subject = models.TextField(blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    mail_from = models.CharField(max_length=320, blank=True)
    header_from = models.CharField(max_length=320, blank=True)
    authenticated_as = models.CharField(max_length=320, blank=True)
    facts = models.JSONField(default=dict, blank=True, help_text=_("Everything the parser extracted"))
    url_hosts = models.JSONField(default=list, blank=True)

    # report_case_reporter_idx (case, reporter_key) serves the foreign key too.
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports", db_index=False
    )
    attribution = models.JSONField(null=True, blank=True)
    attributed_at = models.DateTimeField(null=True, blank=True)
    # Unindexed: the recovery sweep asks for "not this version", which no index serves.
    attribution_inputs = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Version of the inventory and logs it was computed on"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # An acknowledgement is owed (set when it is queued) until acknowledged_at says it went.
    ack_pending = models.BooleanField(default=False)
    ack_error = models.TextField(blank=True)
    # POLICY.md: the raw content goes after the retention period; the digest, size
    # and extracted facts stay, and this says when it went.
    raw_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The uniqueness per reporter (digest, idempotency key) lives in ReportDigest: on
        # PostgreSQL this table is partitioned by ranges of id (complaints/partitions.py),
        # and a partitioned table's unique constraints must hold the partition key.
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=0), name="report_size_non_negative"),
        ]
        indexes = [
            models.Index(fields=["case", "reporter_key"], name="report_case_reporter_idx"),
            models.Index(fields=["partner", "-received_at"], name="report_partner_idx"),
            # Exact matches only (the triage search): no LIKE companion index.
            models.Index(fields=["reporter"], name="report_reporter_idx"),
            models.Index(fields=["message_id"], name="report_message_id_idx"),
            # The few reports nobody could process, for the home page and the list's filter.
            models.Index(
                fields=["received_at"], condition=Q(status="manual_triage"), name="report_triage_idx"
            ),
            # The reports still waiting for their processing, oldest first, for the intake
            # drains and the recovery sweep: a few entries however many reports.
            models.Index(fields=["id"], condition=Q(status="received"), name="report_waiting_idx"),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_channel_display()}, {self.received_at:%Y-%m-%d %H:%M})"

    @property
    def reference(self) -> str:
        return f"ADR-{self.pk:08d}"


class ReportDigest(models.Model):
    """One row per report: what makes a filing the same report again.

    The same reporter re-sending the same bytes, or the same idempotency key, is the same
    report. These unique constraints cannot live on `complaints_report` itself once it is
    partitioned (PostgreSQL requires the partition key, there `id`, in every unique
    constraint), so every path that stores a report writes its row here in the same
    transaction, and the insert here is the duplicate check.
    """

    report = models.OneToOneField(Report, primary_key=True, on_delete=models.CASCADE, related_name="digest")
    reporter_key = models.CharField(max_length=320)
    raw_sha256 = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter_key", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="report_unique_idempotency_key",
            ),
            models.UniqueConstraint(fields=["reporter_key", "raw_sha256"], name="report_unique_per_reporter"),
        ]

    def __str__(self) -> str:
        return f"{self.reporter_key} {self.raw_sha256[:12]}"

    @classmethod
    def of(cls, report: Report) -> ReportDigest:
        return cls(
            report_id=report.pk,
            reporter_key=report.reporter_key,
            raw_sha256=report.raw_sha256,
            idempotency_key=report.idempotency_key,
        )


class Hop(models.Model):
    """One Received header of the reported message, newest first (position 0)."""

    # hop_unique_position leads with the report and serves the foreign key.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="hops", db_index=False)
    position = models.PositiveSmallIntegerField()
    from_name = models.CharField(max_length=255, blank=True)
    from_rdns = models.CharField(max_length=255, blank=True)
    from_address = models.GenericIPAddressField(null=True, blank=True)
    by_name = models.CharField(max_length=255, blank=True)
    with_protocol = models.CharField(max_length=64, blank=True)
    hop_id = models.CharField(max_length=255, blank=True)
    time = models.DateTimeField(null=True, blank=True)
    trusted = models.BooleanField(default=False)
    is_origin = models.BooleanField(default=False)
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "position"], name="hop_unique_position")]

    def __str__(self) -> str:
        return f"{self.from_address or self.from_name} → {self.by_name}"


class ReportUrl(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="report_urls")
    url = models.TextField()
    host = models.CharField(max_length=255, blank=True)

    class Meta:
        # Exact matches only: no LIKE companion index.
        indexes = [models.Index(fields=["host"], name="reporturl_host_idx")]

    def __str__(self) -> str:
        # The link itself is content (S1): its host names it wherever it is listed.
        return f"{self.host} (report {self.report_id})"


class Evidence(models.Model):
    """One DNS answer, kept as it came back. Never updated: a re-check adds a record.

    `digest` is SHA-256 over the canonical JSON of (query, server, asked_at,
    outcome, answer, and the response: its wire bytes as the server sent them, or,
    in records made before those were kept, its text), so a dossier can show the
    record has not changed since.
    """

    class Kind(models.TextChoices):
        PTR = "ptr", _("Reverse DNS (PTR)")
        FORWARD = "forward", _("Forward confirmation of the PTR name")
        DNSBL = "dnsbl", _("DNS blocklist")
        A = "a", "A"
        AAAA = "aaaa", "AAAA"
        MX = "mx", "MX"
        NS = "ns", "NS"
        SPF = "spf", "SPF (TXT)"
        DMARC = "dmarc", "DMARC (TXT)"
        DKIM = "dkim", _("DKIM key (TXT)")
        # Not a DNS answer: our evaluation of SPF, DKIM and DMARC for one report, and
        # what the receiving side stated (complaints.evidence.authentication).
        SENDER_AUTH = "sender_auth", _("Sender authentication (SPF, DKIM, DMARC)")
        # Not a DNS answer: one login's figures for one hour from our own mail log,
        # as the volume detection computed them (prevention.volume). Own telemetry: E3.
        MAIL_VOLUME = "mail_volume", _("Own telemetry: mail volume of a login in one hour")

    class Outcome(models.TextChoices):
        ANSWER = "answer", _("Answer")
        NXDOMAIN = "nxdomain", _("No such name")
        NOANSWER = "noanswer", _("No record of that type")
        SERVFAIL = "servfail", _("Server failure")
        TIMEOUT = "timeout", _("Timeout")
        ERROR = "error", _("Error")

    # evidence_report_idx and evidence_subject_idx lead with the report and the subject.
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence", db_index=False
    )
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    subject = models.CharField(max_length=255, help_text=_("The address or host looked into"))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    query_name = models.CharField(max_length=255)
    query_type = models.CharField(max_length=10)
    zone = models.CharField(max_length=255, blank=True, help_text=_("Blocklist zone, for DNSBL lookups"))
    zone_kind = models.CharField(max_length=16, blank=True)
    server = models.CharField(max_length=100, help_text=_("Resolver asked, host:port or 'system'"))
    asked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    answer = models.JSONField(default=list, blank=True, help_text=_("Records as text, in the order returned"))
    ttl = models.PositiveIntegerField(null=True, blank=True)
    response_text = models.TextField(
        blank=True, help_text=_("Why no server answered (older records: the whole response, as text)")
    )
    response_wire = models.BinaryField(
        blank=True, default=b"", help_text=_("The whole response as the server sent it (DNS wire format)")
    )
    listed = models.BooleanField(null=True, blank=True, help_text=_("For DNSBL: listed or not"))
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "kind", "-asked_at"], name="evidence_subject_idx"),
            models.Index(fields=["report", "kind"], name="evidence_report_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.query_name} → {self.outcome} @ {self.asked_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("evidence is immutable: add a new record instead of changing this one")
        super().save(*args, **kwargs)

    def response_as_text(self) -> str:
        """The response as `dig` shows it (rendered from the bytes kept), or the error."""
        from complaints.evidence.resolver import response_as_text

        return response_as_text(self.response_wire, self.response_text)


class NetworkContact(models.Model):
    """The abuse contact of a network that is not ours, kept by the desk's admins.

    Matched by prefix (most specific wins) or by domain (the origin's reverse name
    or a spamvertised host, nearest parent wins), before the RFC 2142 guess abuse@domain.
    """

    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=49, blank=True, help_text=_("CIDR, e.g. 203.0.113.0/24"))
    start_key = models.CharField(max_length=32, blank=True, editable=False)
    end_key = models.CharField(max_length=32, blank=True, editable=False)
    prefix_len = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    domain = models.CharField(max_length=253, blank=True, db_index=True)
    abuse_email = models.EmailField()
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["start_key", "end_key"], name="contact_range_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(prefix="") | ~Q(domain=""), name="contact_has_prefix_or_domain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.abuse_email}>"

    def clean(self):
        from django.core.exceptions import ValidationError

        from subscribers import ipkeys

        self.domain = self.domain.strip().lower().rstrip(".")
        if self.prefix:
            try:
                network = ipkeys.parse_network(self.prefix)
            except ValueError as exc:
                raise ValidationError({"prefix": str(exc)}) from None
            self.prefix = str(network)
            self.start_key, self.end_key, self.prefix_len = ipkeys.network_key(network)


class Forward(models.Model):
    """A report sent on to the network responsible for it (not ours, sub-allocated, upstream)."""

    class Format(models.TextChoices):
        ARF = "arf", "ARF (RFC 5965)"
        XARF = "xarf", "XARF v4 JSON"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="forwards")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="forwards")
    to = models.EmailField()
    format = models.CharField(max_length=8, choices=Format.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    # How often sending failed and when it was last tried.
    # Set while a task sends it (the claim); a claim older than abusedesk.mail.CLAIM_LEASE
    # was cut off and the message is owed again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} to {self.to} for case {self.case_id}"


class Reply(models.Model):
    """A reply to one complainant of a case, recorded when asked for and sent by a task."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    to = models.EmailField()
    template = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="en")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # see Forward.claimed_at
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(sent_at__isnull=True), name="reply_unsent_idx")
        ]

    def __str__(self) -> str:
        return f"Reply {self.template} to {self.to} for case {self.case_id}"

    @property
    def template_label(self) -> str:
        from complaints.services.replies import TEMPLATES

        return str(TEMPLATES.get(self.template, self.template))


class SavedFilter(models.Model):
    """A queue filter a user named, stored as its query string (shareable as a URL)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedfilter_unique_name")]

    def __str__(self) -> str:
        return self.name
