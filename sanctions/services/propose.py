"""Proposing a measure: facts → recommendation → guards → one Sanction row."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, PermissionDenied
from complaints.models import Case
from complaints.services.triage import case_mark_acted_on

from .. import policy
from ..checks import duplicate_proposal_problem, facts_problems, parse_evidence_refs, proposal_problems
from ..choices import ACCOUNT_KIND_TARGET, Target
from ..facts import case_facts, case_facts_for_page
from ..models import Sanction


def _target_kind(account, content_ref: str, target_kind: str | None) -> str:
    if target_kind:
        return target_kind
    if (content_ref or "").strip():
        return Target.HOSTING_CONTENT
    return ACCOUNT_KIND_TARGET.get(getattr(account, "kind", None), "")


def _clause_snapshots(clauses) -> tuple[list[dict], list[str]]:
    """(snapshots of the current versions, ids that are not known)."""
    ids = [c if isinstance(c, str) else c.catalogue_id for c in clauses or []]
    ids = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not ids:
        return [], []
    found = policy.clause_lookup(ids)
    return [found[i].snapshot() for i in ids if i in found], [i for i in ids if i not in found]


def sanction_propose(
    *,
    case: Case,
    account,
    level: str,
    justification: str,
    clauses,
    legal_basis: str,
    evidence_relied_on,
    proposer,
    culpability: str = "",
    emergency: bool = False,
    target_kind: str | None = None,
    content_ref: str = "",
    legal_references: str = "",
    period_days: int | None = None,
    restriction: str = "",
    rate_per_hour: int | None = None,
) -> Sanction:
    """Propose a measure. Raises ApplicationError (with a reason per field) when a guard fails.

    `culpability` "" means none recorded: POLICY.md treats it as a victim's, and
    refuses it from L4 on. `emergency` asks to carry the measure out before
    approval and notice; checks.py states when that is allowed.

    The recommendation is computed here, not taken from the caller, so the record
    always shows what the criteria said at that moment and under which version.
    """
    if not proposer.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may propose measures."))
    try:
        refs = parse_evidence_refs(evidence_relied_on)
    except ValueError as exc:
        raise ApplicationError(str(exc), fields={"evidence_relied_on": [str(exc)]}) from None
    target_kind = _target_kind(account, content_ref, target_kind)
    snapshots, unknown = _clause_snapshots(clauses)
    facts = case_facts(case, culpability=culpability or None)
    recommendation = policy.recommend(facts)
    problems = proposal_problems(
        case=case,
        account=account,
        target_kind=target_kind,
        content_ref=content_ref,
        level=level,
        justification=justification,
        clause_ids=[s["catalogue_id"] for s in snapshots] or unknown,
        legal_basis=legal_basis,
        evidence_refs=refs,
        culpability=culpability,
        recommendation=recommendation,
        facts=facts,
        emergency=emergency,
        restriction=restriction or "",
        rate_per_hour=rate_per_hour,
    )
    if unknown:
        problems.setdefault("clauses", []).append(_("Unknown clause: %(ids)s.") % {"ids": ", ".join(unknown)})
    if problems:
        raise ApplicationError(_("The proposal is incomplete or breaks a rule."), fields=problems)
    with transaction.atomic():
        # The case's row is the lock two submissions of the same form queue on, so the
        # second one sees the first proposal and is refused (Back + resubmit, a double click).
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
        duplicate = duplicate_proposal_problem(
            case=case, account=account, target_kind=target_kind, content_ref=content_ref, level=level
        )
        if duplicate:
            raise ApplicationError(duplicate, fields={"level": [duplicate]}, code="duplicate_proposal")
        sanction = _create(
            case=case,
            account=account,
            target_kind=target_kind,
            content_ref=content_ref,
            level=level,
            justification=justification.strip(),
            clauses=snapshots,
            legal_basis=legal_basis,
            legal_references=legal_references,
            evidence_relied_on=refs,
            culpability=culpability or "",
            recommendation=recommendation,
            facts=facts,
            proposer=proposer,
            emergency=emergency,
            period_days=period_days,
            restriction=restriction or "",
            rate_per_hour=rate_per_hour,
        )
        audit_record(
            actor=proposer,
            action="sanction.proposed",
            obj=sanction,
            case_id=case.pk,
            reason=sanction.justification,
            data={
                "level": level,
                "recommended_level": recommendation.level,
                "criteria_version": recommendation.criteria_version,
                "target": sanction.target_label,
                "clauses": snapshots,
                "evidence": refs,
                "emergency": emergency,
                "restriction": restriction or "",
                "rate_per_hour": rate_per_hour,
            },
        )
        case_mark_acted_on([case.pk])
    return sanction


def sanction_facts_problems(sanction: Sanction) -> dict[str, list[str]]:
    """The guards of a proposal that depend on the case's facts, checked again now on the
    stored measure (checks.facts_problems): after a re-attribution or a corrected inventory
    the case may no longer name its account, its evidence may no longer reach the level,
    it may turn out a shared IPv4 address or a joe job. What the proposer wrote (the
    justification, clauses, basis, culpability) is the record and is not checked again.
    The facts are taken as a page takes them: the mail-log figures the last evaluation
    stored, never the log itself (S2)."""
    case = sanction.case
    facts = case_facts_for_page(
        case, culpability=sanction.culpability or None, exclude_sanction_id=sanction.pk
    )
    return facts_problems(
        case=case,
        account=sanction.account,
        target_kind=sanction.target_kind,
        content_ref=sanction.content_ref,
        level=sanction.level,
        culpability=sanction.culpability,
        evidence_refs=list(sanction.evidence_relied_on or []),
        recommendation=policy.recommend(facts),
        facts=facts,
    )


def facts_refusal(sanction: Sanction) -> ApplicationError | None:
    """The refusal to give when the measure no longer stands on the case's facts."""
    problems = sanction_facts_problems(sanction)
    if not problems:
        return None
    return ApplicationError(
        _("The case's facts no longer support this measure as proposed."),
        fields=problems,
        code="facts_changed",
    )


def _create(*, recommendation, facts, proposer, emergency, **fields) -> Sanction:
    now = timezone.now()
    deadlines = {}
    if emergency:
        # The criteria may configure a shorter review (policies' emergency_review_hours).
        hours = settings.ABUSEDESK_EMERGENCY_REVIEW_HOURS
        if recommendation.emergency_allowed and recommendation.review_within_hours:
            hours = min(hours, recommendation.review_within_hours)
        deadlines = {
            "review_due_at": now + timedelta(hours=hours),
            "notify_due_at": now + timedelta(hours=settings.ABUSEDESK_EMERGENCY_NOTIFY_HOURS),
        }
    return Sanction.objects.create(
        recommended_level=recommendation.level or "",
        criteria_version=recommendation.criteria_version,
        recommendation=recommendation.to_dict(),
        facts=_facts_snapshot(facts),
        proposed_by=proposer,
        emergency=emergency,
        created_at=now,
        **deadlines,
        **fields,
    )


def _facts_snapshot(facts) -> dict:
    data = asdict(facts)
    # Reporter identities (S3) stay on the reports; the record keeps times and a count.
    data["reports"] = [at for _key, at in facts.reports]
    data["reporters"] = len({key for key, _at in facts.reports})
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
