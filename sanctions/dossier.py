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

from abusedesk.audit import audit_record
from complaints.attribution.steps import step_sentence
from complaints.models import Case, Evidence, Report

from .models import Sanction
from .selectors import case_sanctions


@dataclass
class DossierReport:
    reference: str
    received_at: datetime
    occurred_at: datetime | None
    channel: str
    format: str
    source_ip: str
    reporter: str  # a pseudonym: R1, R2, ...
    size: int
    sha256: str
    steps: list[str] = field(default_factory=list)
    purged_at: datetime | None = None  # the raw content went then (retention); the digest stays


@dataclass
class Dossier:
    case: Case
    generated_at: datetime
    reports: list[DossierReport]
    evidence: list[Evidence]
    sanctions: list[Sanction]

    @property
    def reporter_count(self) -> int:
        return len({r.reporter for r in self.reports})

    @property
    def purged(self) -> list[DossierReport]:
        return [r for r in self.reports if r.purged_at is not None]


def dossier_build(case: Case) -> Dossier:
    reports = list(
        Report.objects.filter(case=case).defer("raw", "facts").order_by("occurred_at", "received_at", "id")
    )
    pseudonyms: dict[str, str] = {}
    rows = []
    for report in reports:
        alias = pseudonyms.setdefault(report.reporter_key, f"R{len(pseudonyms) + 1}")
        rows.append(
            DossierReport(
                reference=report.reference,
                received_at=report.received_at,
                occurred_at=report.occurred_at,
                channel=report.get_channel_display(),
                format=report.format,
                source_ip=report.source_ip or "",
                reporter=alias,
                size=report.size,
                sha256=report.raw_sha256,
                steps=[str(step_sentence(s)) for s in (report.attribution or {}).get("steps", [])],
                purged_at=report.raw_purged_at,
            )
        )
    evidence = list(
        Evidence.objects.filter(Q(case=case) | Q(report__case=case)).distinct().order_by("asked_at", "id")
    )
    return Dossier(
        case=case,
        generated_at=timezone.now(),
        reports=rows,
        evidence=evidence,
        sanctions=list(case_sanctions(case)),
    )


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
