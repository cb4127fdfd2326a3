"""The sanctions' share of recovering work left behind (complaints.services.recovery)."""

from __future__ import annotations

from django.db.models import Q

from abusedesk.mail import MAX_AUTOMATIC_ATTEMPTS, claimable, next_attempt_due

from .choices import ExecutionStatus
from .models import Execution, Notice


def stale_sanctions_work(*, stale, horizon, batch: int) -> dict[str, list[int]]:
    return {
        # A measure's instruction never handed to the provisioning system (the broker was
        # down at the decision). Retries of one that did run belong to its own task.
        "execute": list(
            Execution.objects.filter(
                executor="webhook", status=ExecutionStatus.PENDING, attempts=0, requested_at__lt=stale
            )
            .order_by("requested_at", "pk")
            .values_list("pk", flat=True)[:batch]
        ),
        "notice": [
            n.pk
            for n in Notice.objects.filter(
                claimable(),
                created_at__lt=stale,
                created_at__gte=horizon,
                attempts__lt=MAX_AUTOMATIC_ATTEMPTS,
            )
            .filter(~Q(to=""))
            .order_by("created_at", "pk")
            .only("pk", "attempts", "last_attempt_at")[:batch]
            if next_attempt_due(n.attempts, n.last_attempt_at)
        ],
    }


def register() -> None:
    from complaints.services.recovery import recovery_register

    from .tasks import run_execution, send_notice

    recovery_register(stale_sanctions_work, {"execute": run_execution, "notice": send_notice})
