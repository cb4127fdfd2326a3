"""Facts a person establishes outside the reports: recorded, audited, then re-attributed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, PermissionDenied
from complaints.choices import CaseStatus, ConfirmationKind
from complaints.models import Case, CaseConfirmation, Report
from complaints.selectors import is_desk_user

from .cases import case_mark_changed

MAX_STATEMENT = 2000


def case_confirm(*, case: Case, kind: str, statement: str, actor) -> CaseConfirmation:
    """Record that the customer confirmed a compromise, or that staff confirmed a stated
    origin, with what was said and how. Every report of the case is attributed again
    after the commit, so the method, the evidence level and the recommendation follow.
    """
    if not is_desk_user(actor):
        raise PermissionDenied(_("only desk staff may record a confirmation"))
    if kind not in ConfirmationKind.values:
        raise ApplicationError(
            _("unknown confirmation %(k)s") % {"k": repr(kind)}, fields={"kind": ["invalid"]}
        )
    statement = (statement or "").strip()
    if not statement:
        raise ApplicationError(
            _("say what was confirmed, by whom and how (call, e-mail, hearing)"),
            fields={"statement": [_("This field is required.")]},
        )
    if len(statement) > MAX_STATEMENT:
        raise ApplicationError(
            _("the statement is longer than %(n)s characters") % {"n": MAX_STATEMENT},
            fields={"statement": ["too_long"]},
        )
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("the case is closed"))
    with transaction.atomic():
        confirmation = CaseConfirmation.objects.create(
            case=case, kind=kind, statement=statement, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action="case.confirmed",
            obj=case,
            case_id=case.pk,
            data={"kind": kind, "confirmation": confirmation.pk},
        )
        case_mark_changed(case_ids=[case.pk])
        ids = list(Report.objects.filter(case=case).values_list("pk", flat=True))
        transaction.on_commit(lambda: _reattribute(ids), robust=True)
    return confirmation


def _reattribute(report_ids: list[int]) -> None:
    from complaints.tasks import attribute_report

    for pk in report_ids:
        attribute_report.delay(pk)
