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


# What a measure is carried out on, and on what basis: the policies' vocabularies (a
# rule names the same targets and bases), narrowed to what a measure can have.
Target = _policy_choices.Target
LegalBasis = _policy_choices.LegalBasis
TARGET_KINDS = (
    Target.MAIL_ACCOUNT,
    Target.CONNECTION_ACCOUNT,
    Target.HOSTING_ACCOUNT,
    Target.HOSTING_CONTENT,
)
TARGET_KIND_CHOICES = [(kind.value, kind.label) for kind in TARGET_KINDS]
TARGET_KIND_VALUES = [kind.value for kind in TARGET_KINDS]
# A measure's own basis; the statutes a rule cites are legal references beside it.
MEASURE_BASES = (
    LegalBasis.LEGITIMATE_BUSINESS_ACT,
    LegalBasis.EMERGENCY_NECESSITY,
    LegalBasis.CONSENT,
    LegalBasis.COURT_OR_AUTHORITY_ORDER,
    LegalBasis.CONTRACT,
)
MEASURE_BASIS_CHOICES = [(basis.value, basis.label) for basis in MEASURE_BASES]
MEASURE_BASIS_VALUES = [basis.value for basis in MEASURE_BASES]

# The inventory's account kind and the target a measure on such an account has.
ACCOUNT_KIND_TARGET = {
    "mail": Target.MAIL_ACCOUNT,
    "connection": Target.CONNECTION_ACCOUNT,
    "hosting": Target.HOSTING_ACCOUNT,
}
TARGET_ACCOUNT_KIND = {target.value: kind for kind, target in ACCOUNT_KIND_TARGET.items()}


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


class AnswerChannel(models.TextChoices):
    """How a customer's answer reached us."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


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
