"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The measure ladder of POLICY.md, least restrictive first."""

    L0 = "L0", _("L0 record, acknowledge, watch")
    L1 = "L1", _("L1 advisory with remediation steps")
    L2 = "L2", _("L2 warning with facts and a deadline")
    L3 = "L3", _("L3 targeted technical restriction")
    L4 = "L4", _("L4 stop outbound mail of a mail account")
    L5 = "L5", _("L5 suspend a mail account or disable hosted content")
    L6 = "L6", _("L6 suspend a connection account")
    L7 = "L7", _("L7 terminate the contract")


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


class Culpability(models.TextChoices):
    INTENTIONAL = "intentional", _("Intentional")
    VICTIM = "victim", _("Victim")
    UNDETERMINED = "undetermined", _("Undetermined (treated as victim)")


class LegalBasis(models.TextChoices):
    BUSINESS_ACT = "legitimate_business_act", _("Legitimate business act")
    EMERGENCY = "emergency_necessity", _("Emergency necessity")
    CONSENT = "consent", _("Consent")
    ORDER = "order", _("Order of a court or authority")
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
