"""The case dossier: everything behind a decision, as the ISP would show it in court.

One builder feeds the page and the PDF. It holds digests and references, never
message content (S1), and names complainants only as R1, R2, … so the dossier
can be handed to the customer's side without disclosing them (S3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from complaints.attribution.explain import explain
from complaints.models import Case, Evidence, Report
from complaints.selectors import case_facts_shown

from .models import Sanction
from .selectors import case_sanctions


@dataclass
class DossierReport:
    pk: int
    reference: str
    received_at: datetime
    occurred_at: datetime | None
    channel: str
    format: str
    source_ip: str
    reporter: str  # a pseudonym: R1, R2, ...
    size: int
    sha256: str
    origin_basis: str = ""  # how the origin was established, in words
    steps: list[str] = field(default_factory=list)
    purged_at: datetime | None = None  # the raw content went then (retention); the digest stays


@dataclass
class StepGroup:
    """One attribution sentence and the reports it was found for (a spam run reported
    many times gives the same sentence for each report: it is shown once)."""

    sentence: str
    references: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.references)


@dataclass(frozen=True)
class ReliedOn:
    """One item of a measure's "evidence relied on", resolved to what a reader sees."""

    kind: str  # "report" or "evidence"
    pk: int
    text: str
    anchor: str = ""  # where it is shown on the case page


@dataclass
class Dossier:
    case: Case
    generated_at: datetime
    reports: list[DossierReport]
    evidence: list[Evidence]
    sanctions: list[Sanction]
    relied_on: dict[int, list[ReliedOn]] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # the derived facts, explained (complaints.facts)

    @property
    def reporter_count(self) -> int:
        return len({r.reporter for r in self.reports})

    @property
    def purged(self) -> list[DossierReport]:
        return [r for r in self.reports if r.purged_at is not None]

    @property
    def step_groups(self) -> list[StepGroup]:
        groups: dict[str, StepGroup] = {}
        for report in self.reports:
            for sentence in report.steps:
                group = groups.setdefault(sentence, StepGroup(sentence))
                if report.reference not in group.references:
                    group.references.append(report.reference)
        return list(groups.values())


def relied_on_for(sanctions, reports: list[DossierReport], evidence: list[Evidence]) -> dict:
    """Each measure's evidence references ({"type", "id"}) as readable items, from rows
    already loaded for the dossier (no query per reference)."""
    report_text = {r.pk: r for r in reports}
    evidence_by_pk = {e.pk: e for e in evidence}
    resolved = {}
    for sanction in sanctions:
        items = []
        for ref in sanction.evidence_relied_on or []:
            kind, pk = ref.get("type"), int(ref.get("id") or 0)
            if kind == "report" and pk in report_text:
                r = report_text[pk]
                when = (
                    timezone.localtime(r.occurred_at).strftime("%Y-%m-%d %H:%M %Z") if r.occurred_at else "—"
                )
                items.append(ReliedOn("report", pk, f"{r.reference} · {r.source_ip or '—'} · {when}"))
            elif kind == "evidence" and pk in evidence_by_pk:
                e = evidence_by_pk[pk]
                outcome = e.get_outcome_display() + (" — " + _("listed") if e.listed else "")
                text = f"{e.get_kind_display()} {e.query_name} {e.query_type} · {outcome}"
                items.append(ReliedOn("evidence", pk, text, f"evidence-{pk}"))
            else:
                items.append(ReliedOn(str(kind), pk, f"{kind} {pk}"))
        resolved[sanction.pk] = items
    return resolved


def dossier_build(case: Case) -> Dossier:
    reports = list(
        Report.objects.filter(case=case).defer("raw", "facts").order_by("occurred_at", "received_at", "id")
    )
    pseudonyms: dict[str, str] = {}
    rows = []
    for report in reports:
        alias = pseudonyms.setdefault(report.reporter_key, f"R{len(pseudonyms) + 1}")
        findings = explain(report.attribution)
        rows.append(
            DossierReport(
                pk=report.pk,
                reference=report.reference,
                received_at=report.received_at,
                occurred_at=report.occurred_at,
                channel=report.get_channel_display(),
                format=report.format,
                source_ip=report.source_ip or "",
                reporter=alias,
                size=report.size,
                sha256=report.raw_sha256,
                origin_basis=_origin_basis(findings),
                steps=[_marked(step) for step in findings["steps"]],
                purged_at=report.raw_purged_at,
            )
        )
    evidence = list(
        Evidence.objects.filter(Q(case=case) | Q(report__case=case)).distinct().order_by("asked_at", "id")
    )
    sanctions = list(case_sanctions(case))
    return Dossier(
        case=case,
        generated_at=timezone.now(),
        reports=rows,
        evidence=evidence,
        sanctions=sanctions,
        relied_on=relied_on_for(sanctions, rows, evidence),
        facts=case_facts_shown(case),
    )


def _origin_basis(findings: dict) -> str:
    origin = findings["origin"]
    if not origin:
        return ""
    if origin["basis"] == "stated":
        confirmed = _("confirmed by staff") if origin["confirmed"] else _("not confirmed")
        return f"{origin['label']}, {confirmed}"
    return origin["label"]


def _marked(step: dict) -> str:
    """A step's sentence, marked when it is evidence of a compromise or only a signal."""
    if step["weight"] == "evidence":
        return _("[evidence] %(text)s") % {"text": step["text"]}
    if step["weight"] == "signal":
        return _("[signal, not evidence] %(text)s") % {"text": step["text"]}
    return step["text"]


def dossier_open(*, case: Case, user, fmt: str = "html") -> Dossier:
    """Build the dossier and record who looked at it (it holds traffic data, S2)."""
    dossier = dossier_build(case)
    audit_record(
        actor=user,
        action="dossier.viewed",
        obj=case,
        case_id=case.pk,
        data={"format": fmt, "sanctions": [s.pk for s in dossier.sanctions]},
    )
    return dossier
