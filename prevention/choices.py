"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VolumeSignal(models.TextChoices):
    """Which of the criteria's volume limits one login crossed in one hour."""

    SUBMISSION_VOLUME = "submission_volume", _("Messages, recipients or recipient domains")
    UNKNOWN_RECIPIENT_SHARE = "unknown_recipient_share", _("Share of unknown recipients")
    NEW_NETWORKS = "new_networks", _("Networks new to the login")
    MANY_CLIENT_ADDRESSES = "many_client_addresses", _("Many client addresses")


class FilteringAction(models.TextChoices):
    CONSENT = "consent", _("Consent to opt-in filtering")
    WITHDRAW = "withdraw", _("Withdrawal of the consent")


class ConsentChannel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    MAIL = "mail", _("E-mail")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class InstructionAction(models.TextChoices):
    FILTER_ON = "filter_on", _("Turn filtering on")
    FILTER_OFF = "filter_off", _("Turn filtering off")


class InstructionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent, waiting for confirmation")
    FAILED = "failed", _("Failed")
    CONFIRMED = "confirmed", _("Confirmed")
