"""Reads for the home page: what waits for the person who just logged in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from complaints.choices import CaseStatus, ReportStatus
from complaints.models import Case, Report
from sanctions.models import Sanction
from sanctions.selectors import QUEUE_STATES, review_queue

LIMIT = 15


@dataclass
class MyWork:
    assigned: list = field(default_factory=list)  # open cases assigned to me
    overdue: list = field(default_factory=list)  # open cases nobody acted on within the SLA
    to_review: list = field(default_factory=list)  # measures waiting for my decision (managers)
    my_proposals: list = field(default_factory=list)  # my measures waiting for someone's decision
    recent: list = field(default_factory=list)  # open cases that changed in the last day
    triage: list = field(default_factory=list)  # reports the desk could not process, oldest first


def my_work(user, *, now=None) -> MyWork:
    """Five short lists, one query each (the page's query count does not grow with data)."""
    now = now or timezone.now()
    if not user.has_perm("abusedesk.work_desk"):
        return MyWork()
    cases = Case.objects.filter(status=CaseStatus.OPEN).select_related("assignee")
    deadline = now - timedelta(hours=settings.ABUSEDESK_SLA_FIRST_ACTION_HOURS)
    work = MyWork(
        assigned=list(cases.filter(assignee=user).order_by("-last_activity_at", "-id")[:LIMIT]),
        overdue=list(
            cases.filter(first_action_at__isnull=True, created_at__lt=deadline)
            .filter(Q(assignee=user) | Q(assignee__isnull=True))
            .order_by("created_at", "id")[:LIMIT]
        ),
        recent=list(
            cases.filter(last_activity_at__gte=now - timedelta(days=1)).order_by("-last_activity_at")[:LIMIT]
        ),
        my_proposals=list(
            Sanction.objects.filter(proposed_by=user, state__in=QUEUE_STATES)
            .select_related("case", "account")
            .order_by("created_at", "id")[:LIMIT]
        ),
    )
    # No case to show them in: a person's complaint with nothing to go on, a file that
    # is no message. They wait here until someone acts on them or closes them.
    work.triage = list(
        Report.objects.filter(status=ReportStatus.MANUAL_TRIAGE)
        .only("pk", "received_at", "reporter", "status_reason")
        .order_by("received_at", "id")[:LIMIT]
    )
    if user.has_perm("abusedesk.review_measures"):
        work.to_review = list(review_queue(now=now).exclude(proposed_by=user)[:LIMIT])
    return work
