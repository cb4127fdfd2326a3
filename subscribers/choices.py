"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubscriberKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    BUSINESS = "business", _("Business")


class SubscriberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class AccountKind(models.TextChoices):
    MAIL = "mail", _("Mail")
    CONNECTION = "connection", _("Connection")
    HOSTING = "hosting", _("Hosting")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class BlockKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic pool")
    STATIC = "static", _("Static assignment")
    SUB_ALLOCATION = "sub_allocation", _("Sub-allocation")
    # A customer network we only carry (transit, wholesale): for its traffic we are upstream.
    TRANSIT = "transit", _("Transit customer")
    HOSTING = "hosting", _("Hosting")
    MAIL_SERVERS = "mail_servers", _("Mail servers")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    # One IPv4 address shared by many subscribers, each with its own ports: carrier-grade
    # NAT with port-block logs, or MAP-E (RFC 7597) with a mapping rule on the block.
    SHARED = "shared", _("Shared IPv4 (CGN, MAP-E, DS-Lite)")


HELD_BLOCK_KINDS = (BlockKind.SUB_ALLOCATION, BlockKind.TRANSIT)  # run by a holder, not by us


class MailLogKind(models.TextChoices):
    SUBMISSION = "submission", _("Authenticated submission")
    LOGIN = "login", _("Mailbox login")
    # What became of one recipient of mail a customer sent through us: delivered,
    # bounced or refused (with whether the address does not exist).
    RECIPIENT = "recipient", _("Recipient outcome")


class RecipientOutcome(models.TextChoices):
    SENT = "sent", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    DEFERRED = "deferred", _("Deferred")
    REJECTED = "rejected", _("Refused at RCPT")


class MailService(models.TextChoices):
    SMTP = "smtp", "SMTP"
    POP3 = "pop3", "POP3"
    IMAP = "imap", "IMAP"


class NatLogSource(models.TextChoices):
    CSV = "csv", "CSV"
    SYSLOG = "syslog", _("NAT syslog")


class SessionSource(models.TextChoices):
    CSV = "csv", "CSV"
    RADIUS = "radius", "RADIUS"
