"""Listeners to the complaints app's announcements: they only enqueue, after the commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from complaints.signals import case_changed


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
