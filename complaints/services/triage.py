"""What staff do to cases in the queue: assign and close.

A joe job is a derived fact (complaints.facts.derive: sender authentication against
the customer's own domain), never a person's say-so: closing a case as a joe job is
refused unless the records show one.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError
from complaints.choices import CaseResolution, CaseStatus
from complaints.models import Case
from complaints.signals import case_closing


def case_mark_acted_on(case_ids: list[int]) -> None:
    """A person did something about these cases (assigned, closed, replied, forwarded,
    proposed a measure): the first such time stops the SLA clock; each is activity."""
    now = timezone.now()
    Case.objects.filter(pk__in=case_ids, first_action_at__isnull=True).update(first_action_at=now)
    Case.objects.filter(pk__in=case_ids).update(last_activity_at=now)


@transaction.atomic
def case_assign(*, case_ids: list[int], assignee_id: int | None, actor) -> int:
    if assignee_id is not None:
        user = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
        if user is None or not user.has_perm("abusedesk.work_desk"):
            raise ApplicationError(
                _("cases can only be assigned to desk staff"), fields={"assignee": ["invalid"]}
            )
    changed = (
        Case.objects.filter(pk__in=case_ids).exclude(assignee_id=assignee_id).update(assignee_id=assignee_id)
    )
    case_mark_acted_on(case_ids)
    for pk in case_ids:
        audit_record(
            actor=actor,
            action="case.assigned",
            object_type="complaints.case",
            object_id=pk,
            case_id=pk,
            data={"assignee": assignee_id},
        )
    return changed


# The shortest reason the desk takes for closing or reopening a case or a report.
CASE_REASON_MIN = 5


@transaction.atomic
def case_close(
    *, case_ids: list[int], resolution: str, actor, reason: str = "", duplicate_of: int | None = None
) -> int:
    if resolution not in CaseResolution.values:
        raise ApplicationError(
            _("unknown resolution %(r)s") % {"r": repr(resolution)}, fields={"resolution": ["invalid"]}
        )
    reason = (reason or "").strip()
    # A case closed with no action, or as a joe job, says why on the record; a duplicate
    # names the case it duplicates and "not ours" is the forward to the network's contact.
    if (
        resolution not in (CaseResolution.DUPLICATE, CaseResolution.NOT_OURS)
        and len(reason) < CASE_REASON_MIN
    ):
        raise ApplicationError(
            _("Say why the case is closed (at least 5 characters)."), fields={"reason": ["required"]}
        )
    if resolution == "duplicate":
        if duplicate_of is None:
            raise ApplicationError(
                _("name the case this one duplicates"), fields={"duplicate_of": ["required"]}
            )
        if not Case.objects.filter(pk=duplicate_of).exists():
            raise ApplicationError(
                _("there is no case %(n)s to be a duplicate of") % {"n": duplicate_of},
                fields={"duplicate_of": ["invalid"]},
            )
        if duplicate_of in case_ids:
            raise ApplicationError(_("a case cannot duplicate itself"), fields={"duplicate_of": ["invalid"]})
    now = timezone.now()
    open_ids = list(Case.objects.filter(pk__in=case_ids, status=CaseStatus.OPEN).values_list("pk", flat=True))
    case_closing.send(sender=Case, case_ids=open_ids)  # a listener may keep a case open (raises)
    if resolution == "joe_job":
        _require_derived_joe_job(open_ids)
    case_mark_acted_on(open_ids)
    Case.objects.filter(pk__in=open_ids).update(
        status=CaseStatus.CLOSED, closed_at=now, resolution=resolution
    )
    for pk in open_ids:
        audit_record(
            actor=actor,
            action="case.closed",
            object_type="complaints.case",
            object_id=pk,
            case_id=pk,
            reason=reason,
            data={"resolution": resolution, "duplicate_of": duplicate_of},
        )
    return len(open_ids)


def _require_derived_joe_job(case_ids: list[int]) -> None:
    from complaints.facts.derive import case_derived_facts

    shown = [
        case
        for case in Case.objects.filter(pk__in=case_ids)
        if case_derived_facts(case, traffic=False)["joe_job"]["value"]
    ]
    missing = sorted(set(case_ids) - {case.pk for case in shown})
    if missing:
        raise ApplicationError(
            _(
                "The records do not show a joe job for case(s) %(ids)s: it is derived from the sender "
                "authentication of the customer's domain, never set by hand. Close the case another way, "
                "or correct the records it rests on."
            )
            % {"ids": ", ".join(map(str, missing))},
            fields={"resolution": ["invalid"]},
        )


def case_search_q(text: str) -> Q:
    """Free text over address, account id, domain, reporter and Message-ID.

    The report side is one indexed query for exact reporter / Message-ID
    matches (a correlated EXISTS over a million reports was a scan per case);
    the case side matches the accused resource and account ids by substring.
    """
    from complaints.models import Report

    text = text.strip()
    bare = text.strip("<>")
    matching_reports = Report.objects.filter(
        Q(message_id=bare)
        | Q(message_id=f"<{bare}>")
        | Q(reporter_key=f"email:{text.lower()}")
        | Q(reporter=text)
    )
    case_ids = list(
        matching_reports.exclude(case__isnull=True).values_list("case_id", flat=True).distinct()[:1000]
    )
    return (
        Q(pk__in=case_ids)
        | Q(key__icontains=text)
        | Q(subject__icontains=text)
        | Q(accounts_text__icontains=text)
    )


def case_forward_and_close(*, case_ids: list[int], actor, fmt: str = "arf", reason: str = "") -> int:
    """Close open cases as not ours, each forwarded to its known contact: one unit.

    Either every case is forwarded (recorded, sent after commit) and closed, or
    nothing changes and the message names the cases that cannot be forwarded.
    A forward whose sending fails afterwards stays on its case with a retry.
    """
    from django.db.models import Q

    from complaints.services.forwarding import case_forward, forward_contact, forward_needs_consent

    cases = list(Case.objects.filter(pk__in=case_ids, status=CaseStatus.OPEN).order_by("pk"))
    received = [case.pk for case in cases if forward_needs_consent(case)]
    if received:
        raise ApplicationError(
            _(
                "Case(s) %(ids)s are spam our customers received: each is forwarded only with its "
                "complainant's consent, from the case page. Nothing was changed."
            )
            % {"ids": ", ".join(map(str, received))}
        )
    missing = [
        case.pk
        for case in cases
        if not forward_contact(case)
        or not case.reports.filter(Q(source_ip__isnull=False) | ~Q(url_hosts=[])).exists()
    ]
    if missing:
        raise ApplicationError(
            _(
                "No abuse contact or forwardable report is known for case(s) %(ids)s: nothing was "
                "changed. Forward them from the case page, or leave them out."
            )
            % {"ids": ", ".join(map(str, missing))}
        )
    with transaction.atomic():
        for case in cases:
            case_forward(case=case, user=actor, fmt=fmt, reason=reason)
        return case_close(
            case_ids=[case.pk for case in cases], resolution="not_ours", actor=actor, reason=reason
        )


REPORT_CLOSE_REASON_MIN = CASE_REASON_MIN


@transaction.atomic
def report_close(*, report_id: int, actor, reason: str):
    """Close a report the desk could not process (manual triage: no material, a file that
    is no message, nothing of ours), with the person's reason in the audit trail. Only a
    report in manual triage: a processed report belongs to its case, which is closed."""
    from abusedesk.errors import Conflict, PermissionDenied
    from complaints.choices import ReportStatus
    from complaints.models import Report
    from complaints.selectors import is_desk_user

    if not is_desk_user(actor):
        raise PermissionDenied(_("only desk staff may close a report"))
    reason = (reason or "").strip()
    if len(reason) < REPORT_CLOSE_REASON_MIN:
        raise ApplicationError(
            _("Say why the report is closed (at least 5 characters)."), fields={"reason": ["required"]}
        )
    report = Report.objects.select_for_update().defer("raw").filter(pk=report_id).first()
    if report is None:
        from abusedesk.errors import NotFound

        raise NotFound(_("no such report"))
    if report.status != ReportStatus.MANUAL_TRIAGE:
        raise Conflict(
            _("Only a report in manual triage is closed on its own; this one is %(status)s.")
            % {"status": report.get_status_display()}
        )
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED, status_reason=reason[:500])
    audit_record(
        action="report.closed", obj=report, actor=actor, reason=reason[:500],
        data={"triage_reason": report.status_reason[:500]},
    )  # fmt: skip
    report.status, report.status_reason = ReportStatus.CLOSED, reason[:500]
    return report
