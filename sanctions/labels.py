"""Stored codes as the words a person reads, in the user's language: the one place.

Every code the pages show (a role, a sending method, a culpability, a legal basis, an
account kind, a state…) is a stable English key in the database; its label is the
`TextChoices` label of the app that owns the code. The template filters in
`sanctions.templatetags.labels` and the PDF dossier both read this table, so a
label is translated once and shown the same way everywhere.

It lives in `sanctions`, the one app that may import every app whose codes it shows.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaints import choices as complaint_choices
from complaints.facts.sentences import RESULTS as AUTH_RESULTS
from complaints.facts.sentences import VALUE_LABELS as FACT_VALUES
from complaints.services.replies import TEMPLATES as REPLY_TEMPLATES
from policies import choices as policy_choices
from sanctions import choices as sanction_choices
from subscribers import choices as inventory_choices


def _of(*choice_classes, **extra) -> dict:
    table = {}
    for choices in choice_classes:
        table.update({value: label for value, label in choices.choices})
    table.update(extra)
    return table


# The edges of a measure's lifecycle (sanctions.transitions), as verbs.
ACTIONS = {
    "approve": _("Approve"),
    "reject": _("Reject"),
    "request_evidence": _("Ask for more evidence"),
    "resubmit": _("Resubmit"),
    "carry_out": _("Carry out"),
    "carry_out_emergency": _("Carry out (emergency)"),
    "notify": _("Notify the customer"),
    "open_hearing": _("Open a hearing"),
    "uphold": _("Uphold"),
    "lift": _("Lift"),
    "review_approve": _("Approve the emergency measure"),
    "review_reject": _("Reject the emergency measure and lift it"),
}

# Where the attribution found a network's abuse contact (complaints.attribution.engine).
CONTACT_SOURCES = {
    "registry": _("from our registry of networks"),
    "rfc2142": _("guessed as abuse@ of the domain (RFC 2142)"),
}

TABLES: dict[str, dict] = {
    "role": _of(policy_choices.Role),
    "method": _of(policy_choices.SendingMethod),
    "culpability": _of(policy_choices.Culpability),
    "legal_basis": _of(policy_choices.LegalBasis),
    "account_kind": _of(inventory_choices.AccountKind),
    "connection_type": _of(policy_choices.ConnectionType),
    "hijack_kind": _of(policy_choices.HijackKind),
    "requires": _of(policy_choices.MatchFlag),
    "level": _of(policy_choices.Level),
    "evidence": _of(policy_choices.EvidenceLevel),
    "approval": _of(policy_choices.Approval),
    # Target "none" is labelled "None" in policies; a reader needs words, not a null.
    "target": _of(policy_choices.Target, none=_("no target")),
    "forward_to": _of(policy_choices.ForwardTo),
    "rule_kind": _of(policy_choices.RuleKind),
    "state": _of(sanction_choices.State),
    "notice_kind": _of(sanction_choices.NoticeKind),
    "execution_action": _of(sanction_choices.ExecutionAction),
    "execution_status": _of(sanction_choices.ExecutionStatus),
    "action": ACTIONS,
    "case_status": _of(complaint_choices.CaseStatus),
    "case_kind": _of(complaint_choices.CaseKind),
    "channel": _of(complaint_choices.Channel),
    "report_status": _of(complaint_choices.ReportStatus),
    "report_format": _of(complaint_choices.ReportFormat),
    "category": _of(complaint_choices.ReportCategory),
    "resolution": _of(complaint_choices.CaseResolution),
    "contact_source": CONTACT_SOURCES,
    "reply_template": dict(REPLY_TEMPLATES),
    "block_kind": _of(inventory_choices.BlockKind),
    "subscriber_status": _of(inventory_choices.SubscriberStatus),
    # Derived facts (complaints.facts): aggravating and telemetry codes, check results.
    "fact_value": dict(FACT_VALUES),
    "auth_result": dict(AUTH_RESULTS),
    "confirmation_kind": _of(complaint_choices.ConfirmationKind),
    # How a customer's answer to a hearing reached us.
    "answer_channel": _of(sanction_choices.AnswerChannel),
    # Who carries out a measure (settings.ABUSEDESK_EXECUTOR, Execution.executor).
    "executor": {"manual": _("by hand"), "webhook": _("by the provisioning system")},
    # The language a notice was written in (Notice.language, an ISO code).
    "language": dict(settings.LANGUAGES),
}


def label(value, kind: str) -> str:
    """The label of `value` as a `kind` code; "—" for nothing; the value itself if unknown
    (a code from a newer version must still show, never vanish)."""
    if value in (None, ""):
        return "—"
    table = TABLES[kind]
    found = table.get(str(value))
    return str(found) if found is not None else str(value)


def labels(values, kind: str, sep: str = ", ") -> str:
    values = [v for v in (values or ()) if v not in (None, "")]
    return sep.join(label(v, kind) for v in values) if values else "—"


def snake_case_codes() -> set[str]:
    """Every code with an underscore that a page could leak instead of its label.

    Tests look for these in rendered text: a label never contains one."""
    return {str(code) for table in TABLES.values() for code in table if "_" in str(code)}


def clause_title(clause) -> str:
    """A clause's title in the reader's language: the Japanese title where there is one."""
    from django.utils.translation import get_language

    get = clause.get if isinstance(clause, dict) else lambda name, default="": getattr(clause, name, default)
    if (get_language() or "").startswith("ja") and get("title_ja", ""):
        return str(get("title_ja", ""))
    return str(get("title", ""))
