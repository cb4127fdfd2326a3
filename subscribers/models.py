"""The ISP's own inventory: who holds which account, address and session, and when.

Addresses are stored as fixed-width hex keys (see ipkeys) so that every "who held
this address" question is a B-tree lookup on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q

from subscribers.choices import (
    AccountKind,
    AccountStatus,
    BlockKind,
    MailLogKind,
    MailService,
    NatLogSource,
    RecipientOutcome,
    SessionSource,
    SubscriberKind,
    SubscriberStatus,
)

KEY_LENGTH = 32


def changed_after(since: datetime | None, at: datetime | None) -> bool:
    """A holder recorded since `since` was not yet the holder at instant `at`.

    An unknown date (rows from before dates were kept) or an unknown instant keeps the
    present holder, as the inventory always did."""
    return since is not None and at is not None and at < since


class Subscriber(models.Model):
    subscriber_id = models.CharField(max_length=64, unique=True, help_text="The ISP's customer id.")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=16, choices=SubscriberKind.choices, default=SubscriberKind.INDIVIDUAL)
    status = models.CharField(
        max_length=16, choices=SubscriberStatus.choices, default=SubscriberStatus.ACTIVE
    )
    # Identity as given at sign-up (S4 contract data): what sign-up screening compares
    # against when this subscriber's contract is terminated for spam (screening app).
    name_kana = models.CharField(max_length=200, blank=True, help_text="Reading of the name in kana.")
    postal_address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    card_fingerprint = models.CharField(
        max_length=128, blank=True, help_text="The payment processor's card fingerprint, never the number."
    )
    # Inter-carrier exchange (C-15): the contract has the clause, and the subscriber consented.
    exchange_clause = models.BooleanField(
        default=False, help_text="The contract includes the inter-carrier exchange clause (C-15)."
    )
    exchange_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the subscriber consented to the exchange; blank: no consent."
    )
    exchange_consent_record = models.CharField(
        max_length=200, blank=True, help_text="Where the consent is recorded (form, version, document id)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subscriber_id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SubscriberKind.values), name="subscriber_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=SubscriberStatus.values), name="subscriber_status_valid"
            ),
            # Consent to the exchange is consent under the clause: no clause, no consent.
            models.CheckConstraint(
                condition=Q(exchange_consent_at__isnull=True) | Q(exchange_clause=True),
                name="subscriber_exchange_consent_needs_clause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.name}"


class Account(models.Model):
    """A mail, connection or hosting account of one subscriber.

    identifier: mail → login name; connection → access-line user name
    ("c1001@flets"); hosting → comma-separated domain names and/or server addresses,
    mirrored into HostedName for indexed lookups.
    """

    account_id = models.CharField(max_length=64, unique=True)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    identifier = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    # A contract passes to another person (名義変更) and keeps its account: before this
    # instant the account was someone else's. Set by the services whenever the
    # subscriber changes; blank: not known (the account was never seen changing hands).
    subscriber_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Since when the account belongs to this subscriber; blank: not known.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The instant a selector read this account for (the time of a spam), or None: see
    # subscriber_changed_after_read. Not a field.
    read_at = None

    class Meta:
        ordering = ["account_id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="account_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=AccountStatus.values), name="account_status_valid"),
            # A login or line user name must lead to one account, or attribution is a guess.
            models.UniqueConstraint(
                fields=["kind", "identifier"],
                condition=Q(kind__in=[AccountKind.MAIL, AccountKind.CONNECTION]) & ~Q(identifier=""),
                name="account_unique_login_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} ({self.kind} {self.identifier})"

    @property
    def subscriber_changed_after_read(self) -> bool:
        """The account passed to its present subscriber only after the instant it was
        read for: its subscriber then is not recorded here."""
        return changed_after(self.subscriber_since, self.read_at)


class HostedName(models.Model):
    """One domain name or server address served by a hosting account (lowercase)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="hosted_names")
    name = models.CharField(max_length=253, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="hostedname_unique_per_account"),
        ]

    def __str__(self) -> str:
        return self.name


class AddressBlock(models.Model):
    prefix = models.CharField(max_length=49, unique=True, help_text="Canonical CIDR text.")
    kind = models.CharField(max_length=16, choices=BlockKind.choices)
    start_key = models.CharField(max_length=KEY_LENGTH, editable=False)
    end_key = models.CharField(max_length=KEY_LENGTH, editable=False)
    prefix_len = models.PositiveSmallIntegerField(
        editable=False, help_text="Length in the 128-bit space (an IPv4 /24 is 120)."
    )
    family = models.PositiveSmallIntegerField(editable=False, choices=[(4, "IPv4"), (6, "IPv6")])
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="address_blocks",
        help_text="The connection account of a static block, or the hosting account.",
    )
    sub_allocated_to = models.ForeignKey(
        Subscriber, on_delete=models.PROTECT, null=True, blank=True, related_name="sub_allocations"
    )
    abuse_contact = models.EmailField(blank=True)
    # Since when the block is assigned to its present holder (the account, or the
    # sub-allocation or transit holder; none is a holder too). Set by the services
    # whenever the holder changes; blank: not known (no change was ever seen).
    holder_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Since when the block is assigned to its present account or holder; blank: not known.",
    )
    # MAP-E (RFC 7597) basic mapping rule of a shared block: the block's prefix is the
    # rule IPv4 prefix. Blank on every other block; a shared block without a rule is a
    # CGN pool whose port blocks come from imported NAT logs.
    map_rule_ipv6 = models.CharField(
        max_length=49, blank=True, help_text="MAP-E rule IPv6 prefix (e.g. 2001:db8::/40)."
    )
    map_ea_bits = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="MAP-E EA-bits length (IPv4 suffix bits + PSID bits)."
    )
    map_psid_offset = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="MAP-E PSID offset (RFC 7597 default 6)."
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_key", "prefix_len"]
        indexes = [models.Index(fields=["start_key", "end_key"], name="addressblock_range")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=BlockKind.values), name="addressblock_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=[BlockKind.SUB_ALLOCATION, BlockKind.TRANSIT])
                | Q(sub_allocated_to__isnull=False),
                name="addressblock_sub_allocation_has_holder",
            ),
            models.CheckConstraint(
                condition=~Q(kind=BlockKind.STATIC) | Q(account__isnull=False),
                name="addressblock_static_has_account",
            ),
            # A mapping rule is all three values on a shared block, or nothing.
            models.CheckConstraint(
                condition=(
                    Q(map_rule_ipv6="") & Q(map_ea_bits__isnull=True) & Q(map_psid_offset__isnull=True)
                )
                | (
                    Q(kind=BlockKind.SHARED)
                    & ~Q(map_rule_ipv6="")
                    & Q(map_ea_bits__isnull=False)
                    & Q(map_psid_offset__isnull=False)
                ),
                name="addressblock_map_rule_on_shared_only",
            ),
        ]

    # The instant a selector read this block for (the time of a spam), or None: see
    # holder_changed_after_read. Not a field.
    read_at = None

    def __str__(self) -> str:
        return f"{self.prefix} ({self.kind})"

    @property
    def holder_changed_after_read(self) -> bool:
        """The block passed to its present holder only after the instant it was read
        for: who held it then is not recorded here."""
        return changed_after(self.holder_since, self.read_at)


class Session(models.Model):
    """A connection account held an address or a delegated prefix from started_at.

    stopped_at is exclusive and null while the session is open. prefix_len is in the
    128-bit mapped space: an IPv4 address is 128, a delegated IPv6 /56 is 56.
    """

    # session_unique_account_range_start leads with the account and serves the foreign key.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sessions", db_index=False)
    ip_start_key = models.CharField(max_length=KEY_LENGTH)
    prefix_len = models.PositiveSmallIntegerField()
    address = models.CharField(max_length=49, help_text="As given: an address or a prefix.")
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=SessionSource.choices)
    radius_session_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The instant lookup: ip_start_key = ? AND prefix_len = ? AND started_at <= ?
            # ORDER BY started_at DESC LIMIT 1 reads one index entry.
            models.Index(fields=["ip_start_key", "prefix_len", "started_at"], name="session_range_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ip_start_key", "prefix_len", "started_at"],
                name="session_unique_account_range_start",
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_at__gte=models.F("started_at")),
                name="session_stops_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.account.account_id} {self.started_at:%Y-%m-%dT%H:%M:%S%z}"


class SessionPrefixLength(models.Model):
    """Every prefix_len present in Session, kept by the services that write sessions.

    The instant lookup needs one probe per length. Asking Session for its distinct
    lengths would read the whole table on PostgreSQL; this table has a handful of rows.
    """

    prefix_len = models.PositiveSmallIntegerField(unique=True)

    def __str__(self) -> str:
        return f"/{self.prefix_len}"


class MailLogEntry(models.Model):
    """One authenticated submission on our mail servers, one POP/IMAP login, or what
    became of one recipient of a submission (or of a refused RCPT TO).

    Recipient entries carry the submission's login and client (a refused RCPT before
    any queue id carries only the client: login is then blank) and say whether the
    address did not exist: the share of made-up addresses is telemetry (POLICY.md E4).
    """

    kind = models.CharField(max_length=16, choices=MailLogKind.choices)
    service = models.CharField(max_length=8, choices=MailService.choices)
    login = models.CharField(max_length=255)
    client_ip = models.CharField(max_length=45)
    client_key = models.CharField(max_length=KEY_LENGTH)
    at = models.DateTimeField()
    queue_id = models.CharField(max_length=32, blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    host = models.CharField(max_length=255, help_text="The host name in the log line.")
    recipient = models.CharField(max_length=320, blank=True)
    outcome = models.CharField(max_length=16, blank=True, choices=RecipientOutcome.choices)
    unknown_recipient = models.BooleanField(
        default=False, help_text="The receiving server said the address does not exist."
    )
    raw_line = models.TextField()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "mail log entries"
        indexes = [
            models.Index(fields=["login", "at"], name="maillog_login_at"),
            models.Index(fields=["client_key", "at"], name="maillog_client_at"),
            # "Every row of this hour" (the volume detection after an import, hour by
            # hour): without it each hour read the whole primary-key index.
            models.Index(fields=["at"], name="maillog_at"),
            models.Index(fields=["message_id"], name="maillog_message_id"),
            models.Index(fields=["queue_id"], name="maillog_queue_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "host", "at", "login", "client_key", "queue_id", "recipient"],
                name="maillog_unique_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%dT%H:%M:%S%z} {self.kind} {self.login} {self.client_ip}"


class NatPortBlock(models.Model):
    """A carrier-grade NAT gave `account` the ports port_start..port_end of a shared
    address from started_at (stopped_at exclusive, null while allocated).

    From an imported port-block allocation log (import_natlog). A syslog line names the
    subscriber's inside address; its account is the session log's holder of that
    address when the block was allocated, and `inside_address` keeps what the line said.
    The CGN keeps the block while the inside address is in use, also after it passed
    to another subscriber: the lookup names the inside address's holder at the instant
    (selectors.shared_address_at), `account` is whom it was allocated to.
    """

    address = models.CharField(max_length=45, help_text="The shared (outside) IPv4 address.")
    address_key = models.CharField(max_length=KEY_LENGTH)
    port_start = models.PositiveIntegerField()
    port_end = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="nat_port_blocks")
    inside_address = models.CharField(max_length=45, blank=True)
    source = models.CharField(max_length=8, choices=NatLogSource.choices)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # Also the lookup's index: (address, port, instant) is two descents of it
            # (the highest port start at or below the port, then its latest allocation).
            models.UniqueConstraint(
                fields=["address_key", "port_start", "started_at"], name="natportblock_unique_allocation"
            ),
            models.CheckConstraint(
                condition=Q(port_start__gte=0)
                & Q(port_end__lte=65535)
                & Q(port_end__gte=models.F("port_start")),
                name="natportblock_port_range",
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_at__gte=models.F("started_at")),
                name="natportblock_stops_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}:{self.port_start}-{self.port_end} {self.started_at:%Y-%m-%dT%H:%M:%S%z}"


class NatPortBlockSize(models.Model):
    """Every block size (ports) present in NatPortBlock, kept by the writers: bounds the
    lookup's probe to the port starts that can contain a port."""

    size = models.PositiveIntegerField(unique=True)

    def __str__(self) -> str:
        return str(self.size)
