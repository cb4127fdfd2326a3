"""The proposal rules of POLICY.md that no configuration switches off.

`proposal_problems` is shared by the service (the last word), the form and the
serializer, so the person sees the same reasons the service would give. The
database constraints in models.py hold the same line underneath.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.choices import CaseStatus
from complaints.models import Case, Evidence, Report
from policies.choices import LEVEL_TARGETS as _policy_level_targets
from policies.types import CaseFacts, Recommendation

from .choices import (
    ACCOUNT_KIND_TARGET,
    MANAGER_LEVEL,
    MEASURE_BASIS_VALUES,
    TARGET_KIND_VALUES,
    Culpability,
    Level,
    Target,
    level_rank,
)

STRONG_EVIDENCE = ("E2", "E3", "E4")
EVIDENCE_TYPES = ("report", "evidence")

# What a proposal must have, in the words the page and the API both show: the form
# marks the field at once, this module refuses the proposal on every other path.
REQUIRED = {
    "justification": gettext_lazy("Write why this measure is needed: the justification is required."),
    "clauses": gettext_lazy("Cite at least one contract clause."),
    "legal_basis": gettext_lazy("Choose the legal basis of the measure."),
    "evidence_relied_on": gettext_lazy(
        "Name the evidence the measure relies on (at least one report or record)."
    ),
    "account": gettext_lazy("Choose the account, or give the hosted content the measure acts on."),
}


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
        if not 0 < ref["id"] < 2**63:  # no record has it; the database driver would overflow
            raise ValueError(f"not an evidence reference: {value!r}")
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


def restriction_problems(level: str, restriction: str, rate_per_hour) -> list[tuple[str, str]]:
    """An L3 names its restriction only as L3, and a cap says how many messages per hour."""
    from .choices import RATE_RESTRICTIONS, RESTRICTION_LEVEL, Restriction

    found = []
    if restriction and restriction not in Restriction.values:
        return [("restriction", _("Choose a restriction from the list."))]
    if restriction and level != RESTRICTION_LEVEL:
        found.append(("restriction", _("A targeted restriction is an L3 measure.")))
    if restriction in RATE_RESTRICTIONS and not (isinstance(rate_per_hour, int) and rate_per_hour >= 1):
        found.append(("rate_per_hour", _("Say how many messages per hour the cap allows (at least 1).")))
    if rate_per_hour is not None and restriction not in RATE_RESTRICTIONS:
        found.append(("rate_per_hour", _("Only a send-rate cap has a rate.")))
    return found


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
    emergency: bool = False,
    restriction: str = "",
    rate_per_hour: int | None = None,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(str(message))

    for field, message in restriction_problems(level, restriction, rate_per_hour):
        add(field, message)

    if level not in Level.values:
        add("level", _("Choose a level from L0 to L7."))
        return problems
    closed = case_closed_problem(case)
    if closed:
        add("case", closed)
    wrong_kind = level_target_problem(level, target_kind)
    if wrong_kind:
        add("level", wrong_kind)
    if not (justification or "").strip():
        add("justification", REQUIRED["justification"])
    if not clause_ids:
        add("clauses", REQUIRED["clauses"])
    if legal_basis not in MEASURE_BASIS_VALUES:
        add("legal_basis", REQUIRED["legal_basis"])
    if not evidence_refs:
        add("evidence_relied_on", REQUIRED["evidence_relied_on"])
    if culpability and culpability not in Culpability.values:
        add("culpability", _("Choose intentional, victim or undetermined."))
    for field, messages in facts_problems(
        case=case,
        account=account,
        target_kind=target_kind,
        content_ref=content_ref,
        level=level,
        culpability=culpability,
        evidence_refs=evidence_refs,
        recommendation=recommendation,
        facts=facts,
    ).items():
        for message in messages:
            add(field, message)
    if emergency:
        for field, messages in emergency_problems(
            level=level, clause_ids=clause_ids, recommendation=recommendation.to_dict()
        ).items():
            for message in messages:
                add(field, message)
    return problems


def facts_problems(
    *,
    case: Case,
    account,
    target_kind: str,
    content_ref: str,
    level: str,
    culpability: str,
    evidence_refs: list[dict],
    recommendation: Recommendation,
    facts: CaseFacts,
) -> dict[str, list[str]]:
    """The part of `proposal_problems` that depends on the case's facts as they are now:
    the account is one the case's attribution names, the evidence relied on is the case's
    and reaches what the level needs, no shared IPv4 address or joe job, content before
    the connection for a hosted site. A re-attribution or a corrected inventory can change
    them after the proposal, so the approval, the emergency step and the execution check
    them again on the stored measure (services.propose.sanction_facts_problems)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(str(message))

    if evidence_refs and _foreign_refs(case, evidence_refs):
        add("evidence_relied_on", _("Evidence can only be reports and records of this case."))
    _check_target(
        add, case=case, account=account, target_kind=target_kind, content_ref=content_ref, level=level
    )
    _check_high_levels(add, level=level, culpability=culpability, recommendation=recommendation)
    _check_case_kind(add, level=level, account=account, facts=facts, evidence=recommendation.evidence_level)
    return problems


def _check_target(add, *, case, account, target_kind, content_ref, level) -> None:
    if target_kind == Target.HOSTING_CONTENT:
        if not (content_ref or "").strip():
            add("content_ref", _("Give the URL or path of the hosted content."))
        if "hosting" not in (case.roles or []) and "hosting" not in (case.account_kinds or []):
            add("target_kind", _("Only a case about hosted content can act on hosted content."))
        if account is not None and account.account_id not in (case.accounts or []):
            add("account", _("The account is not one the case's attribution names."))
        return
    if not target_kind and account is None:
        add("account", REQUIRED["account"])
        return
    if target_kind not in TARGET_KIND_VALUES:
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


def _check_case_kind(add, *, level, account, facts: CaseFacts, evidence: str) -> None:
    if evidence == "E0" and account is not None and not facts.shared_ipv4:
        # POLICY.md E0: nothing we hold ties the case to one of our accounts.
        add("account", _("Nothing we hold ties this case to one of our accounts (E0): name no account."))
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


# POLICY.md's ladder: the levels that act on one kind of account. L4 stops the outbound
# mail of a mail account, L5 suspends a mail account or disables the specific hosted
# content, L6 suspends a connection account; the others (L0-L3, L7) fit any account.
LEVEL_TARGETS = _policy_level_targets
LEVEL_TARGET_MESSAGES = {
    "L4": gettext_lazy(
        "L4 stops the outbound mail of a mail account: choose a mail account or another level."
    ),
    "L5": gettext_lazy(
        "L5 suspends a mail account or disables the specific hosted content: "
        "choose one of those or another level."
    ),
    "L6": gettext_lazy("L6 suspends a connection account: choose a connection account or another level."),
}


def level_target_problem(level: str, target_kind: str) -> str | None:
    """A level the ladder defines for another kind of account than the measure's target."""
    allowed = LEVEL_TARGETS.get(level)
    if allowed is None or target_kind in allowed:
        return None
    return str(LEVEL_TARGET_MESSAGES[level])


PENDING_STATES = ("proposed", "more_evidence_requested")


def duplicate_proposal_problem(*, case: Case, account, target_kind: str, content_ref: str, level: str):
    """The case's pending (not yet decided) proposal of the same level on the same account
    (or the same hosted content), if any: a second one is a double submission, not a new
    measure. Returns the message, or None."""
    from .models import Sanction

    pending = Sanction.objects.filter(case=case, level=level, state__in=PENDING_STATES)
    if target_kind == Target.HOSTING_CONTENT:
        ref = (content_ref or "").strip()
        pending = pending.filter(target_kind=Target.HOSTING_CONTENT, content_ref__in={ref, content_ref or ""})
    else:
        pending = pending.exclude(target_kind=Target.HOSTING_CONTENT).filter(account=account)
    first = pending.order_by("created_at", "pk").first()
    if first is None:
        return None
    return _(
        "Measure %(ref)s already proposes %(level)s on the same target in this case and awaits a decision: "
        "decide on it (or ask for changes) instead of proposing it again."
    ) % {"ref": first.reference, "level": level}


def case_closed_problem(case: Case) -> str | None:
    """A closed case (not ours, a joe job, a duplicate, done) takes no new measure and carries none out."""
    if case.status == CaseStatus.OPEN:
        return None
    return _(
        "The case is closed (%(resolution)s): reopen it before a measure is proposed or carried out."
    ) % {"resolution": case.resolution or "—"}


def needs_manager(sanction) -> bool:
    """POLICY.md: L4+ always; lower levels when the recommendation asked for a manager."""
    approval = (sanction.recommendation or {}).get("approval") or "staff"
    return level_rank(sanction.level) >= level_rank(MANAGER_LEVEL) or approval in ("manager", "manager_legal")


# -- The emergency rule (POLICY.md "Guards", contract clause C-09) ---------------------
#
# C-09 lets the ISP act first, notify promptly and keep the measure time-limited.
# It defers two things and nothing else: the prior notice to the customer and the
# prior approval. So an emergency measure
#
#   1. exists only where the criteria allow one for this case
#      (`recommendation.emergency_allowed`: stolen credentials, an ongoing flood,
#      phishing on a hosted site — see policies.defaults);
#   2. goes no higher than what the criteria recommend for it (the level or one
#      of the levels it comes with): acting first is for the minimum necessary;
#   3. cites C-09, the clause that allows acting first;
#   4. meets everything else its level requires (`proposal_problems`: for L4+ a
#      legal basis, a clause, E2 or better, a recorded culpability, a justification);
#   5. is carried out only after a recorded emergency step (who, when, why it
#      could not wait) and confirmed with what was done;
#   6. from L4 on, is never proposed, stepped and confirmed by one person alone;
#   7. is reviewed (a decision, by a manager for L4+) by someone who neither
#      proposed it nor took the emergency step, within the review deadline, and
#      notified within the notice deadline (`review_due_at`, `notify_due_at`);
#   8. once stepped, is carried out as it was when the step was taken: it is not
#      sent back to be rewritten under that step (approve it, or reject it, which
#      undoes it), and sending back a proposal not yet stepped is no review of the
#      revised measure that may be carried out afterwards.
#
# Points 1-3 are `emergency_problems`, checked when the measure is proposed and
# again when the emergency step is taken (on the values stored on the record);
# 5-6 are `emergency_execution_problem`; 7 is `review_problem`; 8 is
# `send_back_problem` and services.transition._claim.

EMERGENCY_CLAUSE = "C-09"


def _recommended_levels(recommendation: dict) -> list[str]:
    levels = [recommendation.get("level")] + list(recommendation.get("also") or [])
    return [lv for lv in levels if lv in Level.values]


def emergency_problems(*, level: str, clause_ids, recommendation: dict) -> dict[str, list[str]]:
    """Points 1-3 of the emergency rule; `recommendation` as stored (Recommendation.to_dict())."""
    problems: dict[str, list[str]] = {}
    if not recommendation.get("emergency_allowed"):
        problems.setdefault("emergency", []).append(
            _(
                "The criteria allow no emergency measure for this case: "
                "it must be approved before it is carried out."
            )
        )
        return problems
    levels = _recommended_levels(recommendation)
    top = max(levels, key=level_rank, default=None)
    if top is None or level_rank(level) > level_rank(top):
        problems.setdefault("level", []).append(
            _("An emergency measure goes no higher than the criteria recommend (%(top)s).")
            % {"top": top or "—"}
        )
    if EMERGENCY_CLAUSE not in set(clause_ids or []):
        problems.setdefault("clauses", []).append(
            _("An emergency measure cites C-09, the clause that allows acting before notice.")
        )
    return problems


def emergency_execution_problem(sanction, *, stepped_by_id: int | None, actor) -> str | None:
    """Points 5-6: may `actor` (None: the provisioning system) confirm this emergency execution?"""
    if stepped_by_id is None:
        return _("Take the emergency step first: say why the measure cannot wait for approval.")
    if actor is None or level_rank(sanction.level) < level_rank(MANAGER_LEVEL):
        return None
    if actor.pk == sanction.proposed_by_id == stepped_by_id:
        return _("Four eyes: one person cannot propose, carry out and confirm an L4 or higher measure alone.")
    return None


def review_problem(sanction, *, actor, stepped_by_id: int | None) -> str | None:
    """Point 7: the review of an emergency measure is nobody's review of their own act."""
    if not sanction.emergency or sanction.reviewed_at is not None:
        return None
    if stepped_by_id is not None and actor.pk == stepped_by_id:
        return _("Four eyes: whoever took the emergency step cannot review it.")
    return None


def send_back_problem(sanction, *, stepped_by_id: int | None) -> str | None:
    """Point 8: may this emergency proposal be sent back for more evidence?"""
    if not sanction.emergency or stepped_by_id is None:
        return None
    return _(
        "The emergency step was taken: the measure is carried out as it was proposed. Approve it, "
        "or reject it (that undoes it) and propose another measure."
    )
