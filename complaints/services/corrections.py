"""A person's correction of what the desk derived for a case: recorded, with a reason.

Attribution, roles, accounts and evidence levels are never typed by hand (the
admin shows them read-only). When a person knows they are wrong, the cause is a
record they stand on: the inventory (corrected through the inventory services,
audited with a reason) or the logs. This recomputes the case from those records
at once — instead of waiting for the periodic re-attribution — and writes one
audit entry with who, why, and the case's roles and accounts before and after.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, PermissionDenied
from complaints.attribution.services import report_attribute
from complaints.models import Case, Report


def _summary(case: Case) -> dict:
    return {
        "roles": list(case.roles or []),
        "accounts": list(case.accounts or []),
        "method": case.sending_method,
    }


def case_reattribute(*, case: Case, actor, reason: str) -> Case:
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may correct a case."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why the attribution is being corrected: a reason is required."),
            fields={"reason": [_("This field is required.")]},
        )
    before = _summary(case)
    for report_id in Report.objects.filter(case=case).order_by("id").values_list("pk", flat=True):
        report_attribute(report_id=report_id)
    case.refresh_from_db()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case.reattributed",
            obj=case,
            case_id=case.pk,
            reason=reason,
            data={"before": before, "after": _summary(case)},
        )
    return case
