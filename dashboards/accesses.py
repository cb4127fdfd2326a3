"""Reads for the managers' review of who opened what (POLICY.md "Secrecy of
communications"): every opening of complaint content (S1), every attribution shown
(traffic data, S2) and every dossier (both) is an audit entry with who, when, what,
which case and why. This module only reads those entries; it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from abusedesk.models import AuditEntry
from complaints.services.content import TRAFFIC_VIEWED, TRAFFIC_VIEWED_REASON

CONTENT_VIEWED = "content.viewed"
DOSSIER_VIEWED = "dossier.viewed"

# The kinds a manager filters by, and the audit actions each stands for.
KINDS = {
    "content": (_("Message content (S1)"), (CONTENT_VIEWED,)),
    "traffic": (_("Attribution: sessions, logins, NAT (S2)"), (TRAFFIC_VIEWED,)),
    "dossier": (_("Dossier (S1 and S2)"), (DOSSIER_VIEWED,)),
}
# What the desk itself records as an access's purpose and the way it was opened: stable
# English keys in the audit trail and the CSV, shown in the reader's language on the
# page. A purpose a person typed (to read a message's content) shows as typed.
PURPOSES = {TRAFFIC_VIEWED_REASON: _("attribution shown within the case")}
VIAS = {
    "case page": _("case page"),
    "report page": _("report page"),
    "api case": _("API: case"),
    "api report": _("API: report"),
    "api report filed": _("API: report filed"),
    # A dossier's format (sanctions.dossier.dossier_open).
    "html": _("dossier page"),
    "pdf": _("dossier PDF"),
}
ACTIONS = tuple(action for _label, actions in KINDS.values() for action in actions)
KIND_OF = {action: kind for kind, (_label, actions) in KINDS.items() for action in actions}
# At most this many people in the summary: a desk has tens, never thousands.
MAX_PEOPLE = 200


@dataclass(frozen=True)
class AccessFilter:
    since: datetime
    until: datetime
    kind: str = ""
    person: str = ""
    case: int | None = None


def accesses(f: AccessFilter) -> QuerySet[AuditEntry]:
    """The accesses in the period, newest first (a range of the `at` index)."""
    actions = KINDS[f.kind][1] if f.kind else ACTIONS
    rows = AuditEntry.objects.filter(at__gte=f.since, at__lt=f.until, action__in=actions)
    if f.person:
        rows = rows.filter(actor_name=f.person)
    if f.case is not None:
        rows = rows.filter(case_id=f.case)
    return rows.order_by("-at", "-id").only(
        "at", "actor_name", "action", "object_type", "object_id", "case_id", "reason", "data"
    )


@dataclass(frozen=True)
class PersonSummary:
    person: str
    content: int
    traffic: int
    dossier: int
    cases: int
    outside_a_case: int  # S1 of a report that had no case yet (manual triage), or worse


def summary(f: AccessFilter) -> list[PersonSummary]:
    """One row per person: how much of each kind, over how many cases, and how much
    outside any case (S2 is only shown within one: a count there needs a look). One
    grouped statement, whatever the number of entries."""
    rows = (
        accesses(f)
        .order_by()
        .values("actor_name")
        .annotate(
            content=Count("id", filter=Q(action=CONTENT_VIEWED)),
            traffic=Count("id", filter=Q(action=TRAFFIC_VIEWED)),
            dossier=Count("id", filter=Q(action=DOSSIER_VIEWED)),
            cases=Count("case_id", distinct=True),
            outside=Count("id", filter=Q(case_id__isnull=True)),
            total=Count("id"),
        )
        .order_by("-total", "actor_name")[:MAX_PEOPLE]
    )
    return [
        PersonSummary(r["actor_name"], r["content"], r["traffic"], r["dossier"], r["cases"], r["outside"])
        for r in rows
    ]


def what_was_opened(entry: AuditEntry) -> tuple[str, str, int | None]:
    """(kind, the thing's label, the report's or case's number) of one entry."""
    kind = KIND_OF.get(entry.action, "")
    number = int(entry.object_id) if str(entry.object_id).isdigit() else None
    if entry.object_type == "complaints.report":
        return kind, "report", number
    if entry.object_type == "complaints.case":
        return kind, "case", number
    return kind, entry.object_type, number
