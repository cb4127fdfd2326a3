"""Reads of the complaints app, and the access functions: the only way to fetch
what a user asked for. Outsiders get 404; a partner sees its own reports only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from abusedesk.errors import NotFound, PermissionDenied
from complaints.models import Case, Report


def is_desk_user(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("abusedesk.work_desk"))


def partner_of(user):
    return getattr(user, "partner", None) if user and user.is_authenticated else None


def report_list_for_user(user) -> QuerySet[Report]:
    reports = Report.objects.defer("raw").order_by("-received_at", "-id")
    if is_desk_user(user):
        return reports.select_related("case", "partner")
    partner = partner_of(user)
    if partner is not None:
        return reports.filter(partner=partner)
    raise PermissionDenied(_("only desk staff and partners may read reports"))


def report_get_for_user(user, pk: int) -> Report:
    report = report_list_for_user(user).filter(pk=pk).first()
    if report is None:
        raise NotFound(_("no report %(pk)s") % {"pk": pk})
    return report


def case_queue_for_user(user):
    """The triage queue, newest activity first, before any filter (CaseFilter narrows and
    may re-order it): the same rows for the queue page and the cases API."""
    if not is_desk_user(user):
        raise PermissionDenied(_("only desk staff may list cases"))
    return Case.objects.select_related("assignee").order_by("-last_activity_at", "-id")


def case_get_for_user(user, pk: int) -> Case:
    if not is_desk_user(user):
        raise NotFound(_("no case %(pk)s") % {"pk": pk})
    case = Case.objects.select_related("assignee").filter(pk=pk).first()
    if case is None:
        raise NotFound(_("no case %(pk)s") % {"pk": pk})
    return case


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's history: what happened, who did it, when (UTC; pages show
    it in the reader's zone). `action` is the audit action ("case.assigned"…), or
    "evidence.collected" for a batch of DNS answers; `data` its recorded details."""

    at: datetime
    who: str
    action: str
    object_id: str = ""
    reason: str = ""
    data: dict = field(default_factory=dict)


# Entries that say nothing a person working the case needs (the chain seal is not a
# step of the case; a view of the attribution is recorded on every page load, for the
# audit trail). Everything else recorded against the case is shown.
_TIMELINE_HIDDEN = {"report.parsed", "traffic.viewed"}


def case_timeline(case: Case, *, limit: int = 200) -> list[TimelineEntry]:
    """The case's history from the audit trail, newest first.

    Three queries whatever the case holds: the audit entries recorded against the
    case, the evidence answers (grouped per minute and subject kind, since one
    lookup run writes a dozen rows and records no audit entry of its own), and
    the names of the people cases were assigned to.
    """
    from abusedesk.models import AuditEntry
    from complaints.models import Evidence

    entries = list(
        AuditEntry.objects.filter(case_id=case.pk)
        .exclude(action__in=_TIMELINE_HIDDEN)
        .order_by("-at", "-id")
        .values("at", "actor_name", "action", "object_id", "reason", "data")[:limit]
    )
    assignees = {e["data"].get("assignee") for e in entries if e["action"] == "case.assigned"}
    names = dict(
        get_user_model().objects.filter(pk__in=[pk for pk in assignees if pk]).values_list("pk", "username")
    )
    timeline = []
    for e in entries:
        data = dict(e["data"] or {})
        if e["action"] == "case.assigned":
            data["assignee_name"] = names.get(data.get("assignee"), "")
        timeline.append(
            TimelineEntry(e["at"], e["actor_name"], e["action"], e["object_id"], e["reason"], data)
        )
    rows = (
        Evidence.objects.filter(Q(case=case) | Q(report__case=case))
        .order_by("-asked_at", "-id")
        .values_list("asked_at", "listed", "subject")[: limit * 5]
    )
    batches: dict[tuple, dict] = {}
    for asked_at, listed, subject in rows:
        minute = asked_at.replace(second=0, microsecond=0)
        batch = batches.setdefault(minute, {"at": asked_at, "n": 0, "listed": 0, "subjects": []})
        batch["n"] += 1
        batch["listed"] += int(bool(listed))
        if subject not in batch["subjects"]:
            batch["subjects"].append(subject)
    timeline += [
        TimelineEntry(
            b["at"], "system", "evidence.collected", data={k: b[k] for k in ("n", "listed", "subjects")}
        )
        for b in batches.values()
    ]
    timeline.sort(key=lambda t: t.at, reverse=True)
    return timeline[:limit]


def case_facts_shown(case) -> dict:
    """The five derived facts with their steps as sentences (the reader's language).

    As evaluated with the stored recommendation when there is one, so the page shows
    what the recommendation rests on; derived from the records now otherwise.
    """
    from complaints.facts.derive import case_derived_facts
    from complaints.facts.sentences import explain_facts

    stored = (case.recommendation or {}).get("facts")
    return explain_facts(stored if stored is not None else case_derived_facts(case, traffic=False))


def newest_first(reports: QuerySet) -> QuerySet:
    """A case's reports, newest first, read through the case's index.

    received_at is never null, so DESC NULLS LAST orders them as DESC does, but it is an
    order the received_at index cannot give: PostgreSQL reads the case's reports by its
    index and sorts them. Plain DESC with a LIMIT let it walk every report's received_at
    backwards instead, until enough rows passed the filter; at a million reports that
    took 1.8 s for a case of ours whose reports no relaying network had logged in to
    (the filter never passed), on every view of the case's page."""
    return reports.order_by(F("received_at").desc(nulls_last=True))
