"""Secrecy of communications over time: raw complaint content is kept only as long as needed.

POLICY.md: raw content is purged ABUSEDESK_CONTENT_RETENTION_DAYS (default 90)
after the case closes; digests, extracted facts and decision records stay. The
report keeps its SHA-256 and size (so a copy can still be matched), its parsed
facts, hops (without their raw header lines), URLs, attribution and evidence;
the bytes as received and the raw Received lines go. One audit entry per case
says what went and when; the report page and the dossier show it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abusedesk.audit import audit_record
from complaints.choices import CaseStatus
from complaints.models import Case, Hop, Report


def purge_due_cases(*, now: datetime | None = None):
    """Closed cases past the retention period that still hold raw content."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ABUSEDESK_CONTENT_RETENTION_DAYS)
    return (
        Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff)
        .filter(reports__raw_purged_at__isnull=True)
        .distinct()
        .order_by("closed_at", "id")
    )


def case_content_purge(*, case_id: int, now: datetime | None = None) -> int:
    """Purge one closed case's raw content. Idempotent: a second run finds nothing left."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        cutoff = now - timedelta(days=settings.ABUSEDESK_CONTENT_RETENTION_DAYS)
        if case.status != CaseStatus.CLOSED or case.closed_at is None or case.closed_at >= cutoff:
            return 0  # reopened, or not yet due: keep
        rows = list(
            Report.objects.filter(case=case, raw_purged_at__isnull=True)
            .order_by("id")
            .values_list("pk", "raw_sha256", "size")
        )
        if not rows:
            return 0
        ids = [pk for pk, _sha, _size in rows]
        Report.objects.filter(pk__in=ids, raw_purged_at__isnull=True).update(raw=b"", raw_purged_at=now)
        Hop.objects.filter(report_id__in=ids).update(raw="")
        audit_record(
            action="content.purged",
            obj=case,
            case_id=case.pk,
            reason=(
                f"retention: {settings.ABUSEDESK_CONTENT_RETENTION_DAYS} days after the case closed "
                f"on {case.closed_at:%Y-%m-%d %H:%M} UTC"
            ),
            data={
                "reports": [{"id": pk, "sha256": sha, "size": size} for pk, sha, size in rows],
                "kept": ["sha256", "size", "facts", "hops", "urls", "attribution", "evidence", "decisions"],
            },
        )
    return len(rows)


def content_purge_expired(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Purge every case that is due (at most `limit` per run; the next run takes the rest)."""
    now = now or timezone.now()
    cases = reports = 0
    for case_id in purge_due_cases(now=now).values_list("pk", flat=True)[:limit]:
        purged = case_content_purge(case_id=case_id, now=now)
        if purged:
            cases += 1
            reports += purged
    return {"cases": cases, "reports": reports}


def report_upkeep(*, now: datetime | None = None) -> dict:
    """The reports' partitions ahead (PostgreSQL) and their retention
    (ABUSEDESK_REPORT_RETENTION_DAYS; complaints/partitions.py says what expires).
    One audit entry says what went, when anything did. Idempotent."""
    from complaints.partitions import upkeep

    now = now or timezone.now()
    with transaction.atomic():
        done = upkeep(now=now)
        if done["rows"]:
            days = settings.ABUSEDESK_REPORT_RETENTION_DAYS
            audit_record(
                action="reports.expired",
                object_type="complaints.report",
                reason=f"retention: reports received more than {days} days ago, their cases closed as long",
                data={
                    "cutoff": (now - timedelta(days=days)).isoformat(),
                    "reports": done["rows"],
                    "partitions_dropped": done["detached"],
                },
            )
    return done
