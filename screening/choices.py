"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    MATCH = "match", _("Match")
    POSSIBLE = "possible_match", _("Possible match")
    NO_MATCH = "no_match", _("No match")


class IdentifierKind(models.TextChoices):
    NAME = "name", _("Name")
    KANA = "kana", _("Kana reading")
    ADDRESS = "address", _("Postal address")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CARD = "card", _("Payment card fingerprint")


class Channel(models.TextChoices):
    API = "api", _("API")
    BROWSER = "browser", _("Browser")
    FILE = "file", _("Signed file")


class TerminationState(models.TextChoices):
    ACTIVE = "active", _("In force")
    WITHDRAWN = "withdrawn", _("Withdrawn: the measure was reversed")


class EntryState(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn by the sender")
    EXPIRED = "expired", _("Expired")


class Direction(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")


class WithdrawalReason(models.TextChoices):
    MEASURE_REVERSED = "measure_reversed", _("The termination was reversed")
    NO_LONGER_ELIGIBLE = "no_longer_eligible", _("No longer eligible (clause or consent withdrawn)")
