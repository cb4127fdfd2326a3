"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from policies import choices as _policy_choices

# One measure ladder and one culpability scale for the whole desk: the policies'.
Level = _policy_choices.Level
Culpability = _policy_choices.Culpability


# POLICY.md: from L4 on, the guards that no configuration switches off apply.
MANAGER_LEVEL = "L4"


def level_rank(level: str) -> int:
    return Level.values.index(level)


class State(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MORE_EVIDENCE = "more_evidence_requested", _("More evidence requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CARRIED_OUT = "carried_out", _("Carried out")
    NOTIFIED = "notified", _("Notified")
    HEARING = "hearing", _("Hearing")
    UPHELD = "upheld", _("Upheld")
    LIFTED = "lifted", _("Lifted")


class TargetKind(models.TextChoices):
    MAIL_ACCOUNT = "mail_account", _("Mail account")
    CONNECTION_ACCOUNT = "connection_account", _("Connection account")
    HOSTING_ACCOUNT = "hosting_account", _("Hosting account")
    HOSTING_CONTENT = "hosting_content", _("Specific hosted content")


ACCOUNT_KIND_TARGET = {
    "mail": TargetKind.MAIL_ACCOUNT,
    "connection": TargetKind.CONNECTION_ACCOUNT,
    "hosting": TargetKind.HOSTING_ACCOUNT,
}


class Restriction(models.TextChoices):
    """Which targeted technical restriction (L3) a measure is: what the executor is told."""

    SEND_RATE_CAP = "send_rate_cap", _("Send-rate cap")
    FOREIGN_LOGIN_CAP = "foreign_login_cap", _("Stricter cap for logins from new networks")
    PASSWORD_RESET = "password_reset", _("Forced password reset")
    PORT25_BLOCK = "port25_block", _("Port-25 block or withdrawal of the exemption")
    DISABLE_SCRIPT = "disable_script", _("Disable one script")


# Restrictions that are a rate: they need messages per hour.
RATE_RESTRICTIONS = (Restriction.SEND_RATE_CAP, Restriction.FOREIGN_LOGIN_CAP)
RESTRICTION_LEVEL = "L3"


class LegalBasis(models.TextChoices):
    BUSINESS_ACT = "legitimate_business_act", _("Legitimate business act")
    EMERGENCY = "emergency_necessity", _("Emergency necessity")
    CONSENT = "consent", _("Consent")
    ORDER = "court_or_authority_order", _("Order of a court or authority")  # as in policies
    CONTRACT = "contract", _("The contract alone")


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("Notice of the measure")
    HEARING = "hearing", _("Invitation to a hearing")
    LIFT = "lift", _("Notice of lifting")


class ExecutionAction(models.TextChoices):
    CARRY_OUT = "carry_out", _("Carry out")
    LIFT = "lift", _("Lift")


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent, waiting for confirmation")
    FAILED = "failed", _("Failed")
    CONFIRMED = "confirmed", _("Confirmed")
