"""The plain data the policy evaluation takes and gives. No Django models here.

`policies.evaluation.evaluate(facts, criteria)` is a pure function of these:
the sanctions app builds CaseFacts from a case; the criteria snapshot comes from
the active (versioned) criteria set; the Recommendation is stored with the
version it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

LEVELS = ("L0", "L1", "L2", "L3", "L4", "L5", "L6", "L7")
EVIDENCE_LEVELS = ("E0", "E1", "E2", "E3", "E4")
CULPABILITY = ("intentional", "victim", "undetermined")
APPROVALS = ("staff", "manager", "manager_legal")


@dataclass(frozen=True)
class PriorMeasure:
    """A measure this subscriber already had (for repeat offenders, POLICY.md rule 14)."""

    level: str
    intentional: bool
    decided_at: datetime


@dataclass(frozen=True)
class CaseFacts:
    """Everything the criteria look at, as plain values.

    roles: sending, relay, hosting, receiving, upstream, not_ours, unknown.
    sending_method: contracted_isp_server, self_operated_server, hijacked_host,
    other_isp_server, or None. account_kinds: mail, connection, hosting.
    connection_type: "static" or "dynamic" for a connection account.
    reports: (reporter_key, occurred_at) per report, so the criteria apply their
    own N reporters within W; reports whose origin a complainant only stated in
    words (unconfirmed) are left out. accounts_identified: how many of our accounts
    the attribution names (0: nobody can be identified). subscribers_identified: how
    many distinct subscribers hold them — the mail and the connection account of
    one subscriber are one party; None means "count accounts" (older callers).
    """

    roles: tuple[str, ...] = ()
    sending_method: str | None = None
    account_kinds: tuple[str, ...] = ()
    connection_type: str | None = None
    sub_allocated: bool = False
    accounts_identified: int = 0
    subscribers_identified: int | None = None
    reports: tuple[tuple[str, datetime], ...] = ()
    own_log_confirms: bool = False  # our own mail log / session log ties the report to the account
    mail_log_confirms: bool = False  # our own mail server's log shows the submission or login
    origin_stated_only: bool = False  # the only origin is one a complainant stated, unconfirmed
    dnsbl_exploited: bool = False
    telemetry: tuple[str, ...] = ()  # E3 signals: "dnsbl_listed", "submission_volume", "spam_trap", ...
    # Reports were filed and none names the account from a line we trust (E0).
    reports_name_nobody: bool = False
    warned_before: bool = False  # a documented warning was sent earlier (E4 if it went on)
    aggravating: tuple[str, ...] = ()  # "forged_sender", "made_up_recipients", "identity_fraud"
    # From our own mail log: recipients of the customer's mail whose address did not
    # exist, out of all recipients; the criteria's thresholds make it "made_up_recipients".
    unknown_recipients: int = 0
    recipients_seen: int = 0
    # The named customer's own line, or a server its domain authorises (SPF, DKIM),
    # sent the spam: "the host customer is the sender" (rule 10), whatever it says.
    sender_is_customer: bool = False
    probable_victim: bool = False
    stolen_credentials: bool = False
    hijack_kind: str | None = None  # infected_pc, open_proxy, open_relay, wireless_lan, compromised_site
    # The origin's own line says it took the mail from an outside address without a
    # login (an open relay?): not evidence of a hijack until a person tests it, but no
    # ground to call the holder intentional either.
    untested_relay: bool = False
    # A mail login used from outside our networks, from a network it had not used in the
    # month before: a stolen password, or a trip; no ground to call the holder
    # intentional until a person has checked.
    new_network_login: bool = False
    phishing: bool = False
    joe_job: bool = False  # only forged headers point at us
    shared_ipv4: bool = False  # CGN address without a source port
    ongoing: bool = False  # still going on (a flood)
    culpability: str | None = None  # as recorded by staff; None: not recorded
    prior_measures: tuple[PriorMeasure, ...] = ()
    now: datetime | None = None


@dataclass(frozen=True)
class Recommendation:
    """What the criteria recommend for a case, and why. `level` None means no measure."""

    criteria_version: int
    rule: str | None  # the default rule number ("1".."14") or the configured rule's key
    level: str | None  # L0..L7, or None for "no measure"
    also: tuple[str, ...] = ()  # levels taken together, e.g. L3 with an L2 warning
    target: str = "none"  # mail_account, connection_account, hosting_content, hosting_account, forward, none
    evidence_level: str = "E0"
    evidence_reasons: tuple[str, ...] = ()
    culpability: str = "undetermined"
    culpability_reasons: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()  # catalogue ids, e.g. "C-03a", "C-08"
    legal_basis: tuple[str, ...] = ()
    approval: str = "staff"  # staff, manager, manager_legal
    notice_required: bool = True
    hearing_required: bool = False
    review_within_hours: int | None = None
    emergency_allowed: bool = False
    forward_to: str | None = None  # "holder", "relaying_network", "origin_network"
    no_measure_reason: str | None = None
    reasons: tuple[str, ...] = field(default=())  # short machine-readable steps, shown as sentences

    def to_dict(self) -> dict:
        # Every field is a plain value or a tuple of strings: no nested dataclass, nothing
        # mutable to copy (asdict's deep walk took most of a batch re-evaluation's time).
        return {f.name: getattr(self, f.name) for f in fields(self)}
