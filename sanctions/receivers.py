"""Listeners to the complaints app's announcements: they only enqueue, after the commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from complaints.signals import case_changed, case_closing


@receiver(case_changed, dispatch_uid="sanctions.refresh_recommendation_on_case_change")
def refresh_recommendation_on_case_change(sender, case_ids, **kwargs) -> None:
    from .services.recommend import evaluations_queue

    ids = list(case_ids)

    def queue() -> None:
        evaluations_queue(ids)

    # robust: with eager tasks (no broker) a failure here is logged and left to the
    # periodic sweep; it must not turn the request that stored a report into an error.
    # (A function, not a functools.partial: Django names a failed robust callback by
    # its __qualname__, which a partial lacks, and the failure would escape.)
    transaction.on_commit(queue, robust=True)


@receiver(case_closing, dispatch_uid="sanctions.keep_open_while_an_emergency_awaits_review")
def keep_open_while_an_emergency_awaits_review(sender, case_ids, **kwargs) -> None:
    """An emergency measure in force and not yet reviewed (C-09: reviewed within 24 h)
    rests on its case's reports: closing the case would start the clock that purges
    their content before anyone reviewed the measure. Approve or reject it first."""
    from django.utils.translation import gettext as _

    from abusedesk.errors import Conflict

    from .models import Sanction
    from .transitions import EMERGENCY_IN_FORCE

    waiting = (
        Sanction.objects.filter(
            case_id__in=list(case_ids), emergency=True, reviewed_at__isnull=True, state__in=EMERGENCY_IN_FORCE
        )
        .order_by("case_id", "pk")
        .first()
    )
    if waiting:
        raise Conflict(
            _(
                "Case %(case)s stays open: its emergency measure %(ref)s is in force and awaits its "
                "review. Approve or reject the measure first."
            )
            % {"case": waiting.case_id, "ref": waiting.reference},
            code="emergency_awaits_review",
        )
