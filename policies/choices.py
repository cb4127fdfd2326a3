"""Stored values are stable English keys (the same keys CaseFacts and Recommendation use);
labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from abusedesk import choices as _project_choices
from subscribers import choices as _inventory_choices


class Level(models.TextChoices):
    L0 = "L0", _("L0 record, acknowledge, watch")
    L1 = "L1", _("L1 advisory with remediation steps")
    L2 = "L2", _("L2 warning with facts and a deadline")
    L3 = "L3", _("L3 targeted technical restriction")
    L4 = "L4", _("L4 stop outbound mail of a mail account")
    L5 = "L5", _("L5 suspend a mail account or disable hosted content")
    L6 = "L6", _("L6 suspend a connection account")
    L7 = "L7", _("L7 terminate the contract")


class EvidenceLevel(models.TextChoices):
    E0 = "E0", _("E0 not tied to our records")
    E1 = "E1", _("E1 tied to one account")
    E2 = "E2", _("E2 several distinct reporters")
    E3 = "E3", _("E3 our telemetry agrees")
    E4 = "E4", _("E4 went on after a warning, or aggravating facts")


class Culpability(models.TextChoices):
    INTENTIONAL = "intentional", _("Intentional")
    VICTIM = "victim", _("Victim")
    UNDETERMINED = "undetermined", _("Undetermined")


class Approval(models.TextChoices):
    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Manager")
    MANAGER_LEGAL = "manager_legal", _("Manager and legal")


# The attribution's vocabulary is the project's (complaints produces it).
SendingMethod = _project_choices.SendingMethod


# The account kinds are the inventory's (policies may import subscribers).
AccountKind = _inventory_choices.AccountKind


class ConnectionType(models.TextChoices):
    STATIC = "static", _("Static")
    DYNAMIC = "dynamic", _("Dynamic")


Role = _project_choices.NetworkRole
# What a rule may name: every role the attribution gives but "unknown".
RULE_ROLES = [role for role in Role if role != Role.UNKNOWN]


class HijackKind(models.TextChoices):
    INFECTED_PC = "infected_pc", _("Infected PC")
    OPEN_PROXY = "open_proxy", _("Open proxy")
    OPEN_RELAY = "open_relay", _("Open relay")
    WIRELESS_LAN = "wireless_lan", _("Wireless LAN used without permission")
    COMPROMISED_SITE = "compromised_site", _("Compromised web site")


class Target(models.TextChoices):
    MAIL_ACCOUNT = "mail_account", _("Mail account")
    CONNECTION_ACCOUNT = "connection_account", _("Connection account")
    HOSTING_CONTENT = "hosting_content", _("Specific hosted content")
    HOSTING_ACCOUNT = "hosting_account", _("Hosting account")
    FORWARD = "forward", _("Forward to the responsible network")
    NONE = "none", _("None")


# POLICY.md's measure ladder: the levels defined for one kind of account only (L4 stops a
# mail account's outbound mail, L5 suspends a mail account or disables specific hosted
# content, L6 suspends a connection). A proposal (sanctions.checks) and a rule's ladder
# (policies.services) are both held to it.
LEVEL_TARGETS = {
    "L4": (Target.MAIL_ACCOUNT,),
    "L5": (Target.MAIL_ACCOUNT, Target.HOSTING_CONTENT),
    "L6": (Target.CONNECTION_ACCOUNT,),
}
ACCOUNT_TARGETS = (
    Target.MAIL_ACCOUNT,
    Target.CONNECTION_ACCOUNT,
    Target.HOSTING_CONTENT,
    Target.HOSTING_ACCOUNT,
)


class ForwardTo(models.TextChoices):
    HOLDER = "holder", _("The block holder's abuse contact")
    RELAYING_NETWORK = "relaying_network", _("The relaying network")
    ORIGIN_NETWORK = "origin_network", _("The origin network")


class MatchFlag(models.TextChoices):
    """Extra conditions a rule can require of the facts (see policies.snapshot.FLAG_TESTS)."""

    STOLEN_CREDENTIALS = "stolen_credentials", _("Stolen credentials")
    PHISHING = "phishing", _("Phishing or redirect")
    DELEGATED_NETWORK = "delegated_network", _("Sub-allocated block or transit customer")
    EXTERNAL_ONLY = "external_only", _("No role of ours (received or not ours)")


class LegalBasis(models.TextChoices):
    """The basis of a measure first, then the statutes the default set cites."""

    LEGITIMATE_BUSINESS_ACT = "legitimate_business_act", _("Legitimate business act")
    EMERGENCY_NECESSITY = "emergency_necessity", _("Emergency necessity")
    CONSENT = "consent", _("Consent")
    COURT_OR_AUTHORITY_ORDER = "court_or_authority_order", _("Order of a court or authority")
    CONTRACT = "contract", _("The contract alone")
    JP_TBA_ART4 = "jp_tba_art4", _("Telecommunications Business Act art. 4 (secrecy)")
    JP_TBA_ART6 = "jp_tba_art6", _("Telecommunications Business Act art. 6 (no unjust discrimination)")
    JP_SEM_ART11 = "jp_sem_art11", _("Specified Electronic Mail Act art. 11 (refusal of mail service)")
    JP_SEM_ART3_6 = "jp_sem_art3_6", _("Specified Electronic Mail Act arts. 3-6 (sender duties)")
    JP_SCT_ART11_12 = "jp_sct_art11_12", _("Specified Commercial Transactions Act arts. 11, 12, 12-3")
    JP_IDPA_ART3 = "jp_idpa_art3", _("Information Distribution Platform Act art. 3 (hosted content)")
    JP_CIVIL_541_542 = "jp_civil_541_542", _("Civil Code arts. 541-542 (termination)")


class RuleKind(models.TextChoices):
    CASE = "case", _("Case rule: the first that matches the case applies")
    REPEAT_OFFENDER = "repeat_offender", _("Repeat offender: checked after the case rule")
