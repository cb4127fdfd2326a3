"""The proposal rules of POLICY.md that no configuration switches off.

`proposal_problems` is shared by the service (the last word), the form and the
serializer, so the person sees the same reasons the service would give. The
database constraints in models.py hold the same line underneath.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from complaints.models import Case, Evidence, Report
from policies.types import CaseFacts, Recommendation

from .choices import (
    ACCOUNT_KIND_TARGET,
    MANAGER_LEVEL,
    Culpability,
    LegalBasis,
    Level,
    TargetKind,
    level_rank,
)

STRONG_EVIDENCE = ("E2", "E3", "E4")
EVIDENCE_TYPES = ("report", "evidence")


def parse_evidence_refs(values) -> list[dict]:
    """Accepts "report:12" strings or {"type": ..., "id": ...} dicts; returns dicts."""
    refs = []
    for value in values or []:
        if isinstance(value, dict):
            kind, pk = value.get("type"), value.get("id")
        else:
            kind, _sep, pk = str(value).partition(":")
        try:
            ref = {"type": str(kind), "id": int(pk)}
        except (TypeError, ValueError):
            raise ValueError(f"not an evidence reference: {value!r}") from None
        if ref not in refs:
            refs.append(ref)
    return refs


def _foreign_refs(case: Case, refs: list[dict]) -> list[dict]:
    """References that are not records of this case."""
    report_ids = {r["id"] for r in refs if r["type"] == "report"}
    evidence_ids = {r["id"] for r in refs if r["type"] == "evidence"}
    own_reports = set(Report.objects.filter(case=case, pk__in=report_ids).values_list("pk", flat=True))
    own_evidence = set(
        Evidence.objects.filter(Q(case=case) | Q(report__case=case), pk__in=evidence_ids).values_list(
            "pk", flat=True
        )
    )
    return [
        r
        for r in refs
        if r["type"] not in EVIDENCE_TYPES
        or (r["type"] == "report" and r["id"] not in own_reports)
        or (r["type"] == "evidence" and r["id"] not in own_evidence)
    ]


def proposal_problems(
    *,
    case: Case,
    account,
    target_kind: str,
    content_ref: str,
    level: str,
    justification: str,
    clause_ids: list[str],
    legal_basis: str,
    evidence_refs: list[dict],
    culpability: str,
    recommendation: Recommendation,
    facts: CaseFacts,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if level not in Level.values:
        add("level", _("Choose a level from L0 to L7."))
        return problems
    if not (justification or "").strip():
        add("justification", _("Write why this measure is needed: the justification is required."))
    if not clause_ids:
        add("clauses", _("Cite at least one contract clause."))
    if legal_basis not in LegalBasis.values:
        add("legal_basis", _("Choose the legal basis of the measure."))
    if not evidence_refs:
        add(
            "evidence_relied_on",
            _("Name the evidence the measure relies on (at least one report or record)."),
        )
    elif _foreign_refs(case, evidence_refs):
        add("evidence_relied_on", _("Evidence can only be reports and records of this case."))
    if culpability and culpability not in Culpability.values:
        add("culpability", _("Choose intentional, victim or undetermined."))
    _check_target(
        add, case=case, account=account, target_kind=target_kind, content_ref=content_ref, level=level
    )
    _check_high_levels(add, level=level, culpability=culpability, recommendation=recommendation)
    _check_case_kind(add, level=level, account=account, facts=facts)
    return problems


def _check_target(add, *, case, account, target_kind, content_ref, level) -> None:
    if target_kind == TargetKind.HOSTING_CONTENT:
        if not (content_ref or "").strip():
            add("content_ref", _("Give the URL or path of the hosted content."))
        return
    if target_kind not in TargetKind.values:
        add("target_kind", _("Choose what the measure acts on."))
        return
    if account is None:
        add("account", _("Choose the account the measure acts on."))
        return
    if account.account_id not in (case.accounts or []):
        add("account", _("The account is not one the case's attribution names."))
    if ACCOUNT_KIND_TARGET.get(account.kind) != target_kind:
        add("target_kind", _("The target kind does not match the account's kind."))


def _check_high_levels(add, *, level, culpability, recommendation) -> None:
    if level_rank(level) < level_rank(MANAGER_LEVEL):
        return
    if recommendation.evidence_level not in STRONG_EVIDENCE:
        add(
            "level",
            _("L4 and above need evidence E2 or higher (or E4); this case is at %(e)s.")
            % {"e": recommendation.evidence_level},
        )
    if not culpability:
        add("culpability", _("L4 and above need a recorded culpability."))
    if level == "L7" and culpability != Culpability.INTENTIONAL:
        add("level", _("A victim (or undetermined) case never goes to L7."))


def _check_case_kind(add, *, level, account, facts: CaseFacts) -> None:
    if facts.joe_job and level != "L0":
        add("level", _("Only forged headers point at us: the case closes at L0."))
    if facts.shared_ipv4 and account is not None:
        add("account", _("A shared IPv4 address without a source port identifies nobody: name no account."))
    hosting_only = "hosting" in facts.roles and "sending" not in facts.roles
    if hosting_only and account is not None and account.kind == "connection" and level_rank(level) >= 6:
        add(
            "level",
            _("For a hosted site, act on the content first: never cut the whole connection by default."),
        )


def needs_manager(sanction) -> bool:
    """POLICY.md: L4+ always; lower levels when the recommendation asked for a manager."""
    approval = (sanction.recommendation or {}).get("approval") or "staff"
    return level_rank(sanction.level) >= level_rank(MANAGER_LEVEL) or approval in ("manager", "manager_legal")
