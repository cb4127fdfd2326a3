"""Reopening closed cases: the way back from `case_close` (services.triage).

A closed case that gets new facts or was closed by mistake is opened again with
its resolution cleared; the closing stays in the audit trail, with the reason
for reopening beside it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict
from complaints.choices import CaseStatus
from complaints.models import Case


@transaction.atomic
def case_reopen(*, case_ids: list[int], actor, reason: str = "") -> int:
    """Reopen the closed cases among `case_ids`; returns how many were reopened.

    Open cases are left alone (reopening twice records nothing the second time). A
    case whose resource has a newer open case (reports kept coming after it closed)
    cannot be reopened: one resource has one open case, and the work goes on there.
    The reason is on the record (at least CASE_REASON_MIN characters).
    """
    from complaints.services.triage import CASE_REASON_MIN

    reason = (reason or "").strip()
    if len(reason) < CASE_REASON_MIN:
        raise ApplicationError(
            _("Say why the case is reopened (at least 5 characters)."), fields={"reason": ["required"]}
        )
    closed = list(
        Case.objects.select_for_update()
        .filter(pk__in=case_ids, status=CaseStatus.CLOSED)
        .values_list("pk", "resolution", "key")
    )
    keys = {key for _pk, _resolution, key in closed}
    newer = dict(Case.objects.filter(key__in=keys, status=CaseStatus.OPEN).values_list("key", "pk"))
    blocked = [(pk, newer[key]) for pk, _resolution, key in closed if key in newer]
    if blocked:
        raise Conflict(
            _("Case %(pk)s cannot be reopened: case %(open)s is open for the same resource.")
            % {"pk": blocked[0][0], "open": blocked[0][1]}
        )
    ids = [pk for pk, _resolution, _key in closed]
    Case.objects.filter(pk__in=ids).update(
        status=CaseStatus.OPEN, closed_at=None, resolution="", last_activity_at=timezone.now()
    )
    for pk, resolution, _key in closed:
        audit_record(
            actor=actor,
            action="case.reopened",
            object_type="complaints.case",
            object_id=pk,
            case_id=pk,
            reason=reason,
            data={"previous_resolution": resolution},
        )
    return len(ids)
