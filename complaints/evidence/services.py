"""Writes of DNS evidence: ask what is not known fresh, keep each answer as a new record."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

from complaints.models import Evidence, Report

from .lookups import MAX_WORKERS, Check, Key, run_checks
from .resolver import DnsResult
from .selectors import evidence_latest_results, report_for_evidence, report_subjects

logger = logging.getLogger(__name__)

Outcome = Evidence.Outcome

# A "no such name" or "not listed" is re-checked within minutes: a blocklist
# listing or a new record should show up soon, whatever the SOA says.
NEGATIVE_FRESH_SECONDS = 300
# Even long TTLs are re-checked daily: evidence for a dispute should be recent.
MAX_FRESH_SECONDS = 24 * 3600


# The fields a record's digest covers: the question, of whom, when, and the answer.
_DIGESTED = (
    "query_name", "query_type", "zone", "server", "asked_at", "outcome", "answer", "ttl", "response_text",
)  # fmt: skip
# The response's bytes, as hex, where they were kept: records made before the bytes
# were kept have no such key, so their digests still verify.
_WIRE = "response_wire"


def evidence_digest(record) -> str:
    """SHA-256 hex over the canonical JSON of what was asked, of whom, when, and the answer.

    Canonical: sorted keys, compact separators, UTF-8 (ensure_ascii off),
    `asked_at` in UTC with microseconds.

    Takes an `Evidence` (or anything with the same attributes), so a verifier
    can recompute it from a stored row and compare with `record.digest`.
    """
    values = {name: getattr(record, name) for name in _DIGESTED}
    values[_WIRE] = getattr(record, _WIRE, b"")
    return _digest_of(values)


def _digest_of(values: dict) -> str:
    canonical = {name: values[name] for name in _DIGESTED}
    canonical["asked_at"] = values["asked_at"].astimezone(UTC).isoformat(timespec="microseconds")
    canonical["answer"] = list(values["answer"])
    if values.get(_WIRE):
        canonical[_WIRE] = bytes(values[_WIRE]).hex()
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fresh_for(record: Evidence | DnsResult) -> timedelta:
    """How long a result stands in for a new query. Failures never do."""
    if record.outcome == Outcome.ANSWER:
        seconds = min(record.ttl or 0, MAX_FRESH_SECONDS)
    elif record.outcome in (Outcome.NXDOMAIN, Outcome.NOANSWER):
        negative = record.ttl if record.ttl is not None else NEGATIVE_FRESH_SECONDS
        seconds = min(negative, NEGATIVE_FRESH_SECONDS)
    else:
        seconds = 0
    return timedelta(seconds=seconds)


def is_fresh(record: Evidence | DnsResult, *, now: datetime) -> bool:
    return record.asked_at + fresh_for(record) > now


def evidence_row(*, report: Report, subject: str, kind: str, result: DnsResult, **extra) -> Evidence:
    """An unsaved evidence row for one DNS answer about a report, with its digest."""
    record = Evidence(
        report=report,
        case_id=report.case_id,
        subject=subject[:255],
        kind=kind,
        query_name=result.query_name[:255],
        query_type=result.query_type[:10],
        server=result.server[:100],
        asked_at=result.asked_at,
        outcome=result.outcome,
        answer=list(result.answer),
        ttl=result.ttl,
        response_text=result.response_text,
        response_wire=result.response_wire,
        **extra,
    )
    record.digest = evidence_digest(record)
    return record


def _evidence_values(check: Check, report: Report) -> dict:
    """One answer's row as its fields' values (attname: value), digest included: what
    `evidence_row` makes, without a model instance (a collection stores a dozen)."""
    result = check.result
    values = {
        "report_id": report.pk,
        "case_id": report.case_id,
        "subject": check.subject[:255],
        "kind": check.kind,
        "query_name": result.query_name[:255],
        "query_type": result.query_type[:10],
        "zone": check.zone[:255],
        "zone_kind": check.zone_kind[:16],
        "server": result.server[:100],
        "asked_at": result.asked_at,
        "outcome": result.outcome,
        "answer": list(result.answer),
        "ttl": result.ttl,
        "response_text": result.response_text,
        "response_wire": result.response_wire,
        "listed": check.listed,
    }
    values["digest"] = _digest_of(values)
    return values


def _evidence_insert(rows: list[dict]) -> None:
    """Store the rows in one statement: on PostgreSQL a COPY, atomic on its own.

    Django's INSERT prepares every value of every row in Python and, outside a
    transaction, wraps itself in one (BEGIN, INSERT, COMMIT): that was the largest
    cost of a collection beyond the DNS queries. A hand-written INSERT still spent
    twice the CPU of COPY quoting its parameters (measured alternately with the
    bench: 54-56% against 66-78%). The values are the rows' own, digest included,
    JSON as the field dumps it, as `bulk_create` would store them.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(Evidence)]
    if connection.vendor != "postgresql":
        Evidence.objects.bulk_create([Evidence(**values) for values in rows])
        return
    fields = [f for f in Evidence._meta.concrete_fields if not f.primary_key]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    attnames = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # Names from the model's own metadata; the values go as data, never as SQL.
    statement = f"COPY {quote(Evidence._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for values in rows:
            copy.write_row([json.dumps(values[a]) if a in json_fields else values[a] for a in attnames])


def _record_not_looked_up(report_id: int, items: list[dict]) -> None:
    """What the last collection left out, and why ("limit": beyond the first N hosts;
    "time": the report's time budget ran out), in the report's facts."""
    report = Report.objects.select_for_update().only("facts").get(pk=report_id)
    facts = dict(report.facts or {})
    if items:
        facts["evidence_not_looked_up"] = items
    elif "evidence_not_looked_up" not in facts:
        return
    else:
        facts.pop("evidence_not_looked_up")
    report.facts = facts
    report.save(update_fields=["facts"])


def evidence_collect(*, report_id: int) -> int:
    """Ask the DNS about a report's subjects; store each new answer. Returns the rows added.

    Questions answered within their TTL (for any report) are not asked again,
    which makes this safe to run twice. The DNS work happens before, and
    outside, the one short transaction that writes the rows.

    Database round trips: the report, the fresh answers, then the rows in one
    insert; the report's facts are locked and written only when they change
    (something was not looked up now, or was the last time).
    """
    report = report_for_evidence(report_id=report_id)
    subjects = report_subjects(report)
    if not subjects:
        return 0
    now = timezone.now()
    latest = evidence_latest_results(subjects=subjects.all, since=now - timedelta(seconds=MAX_FRESH_SECONDS))
    fresh = {key: r for key, r in latest.items() if is_fresh(r, now=now)}

    def cached(key: Key) -> DnsResult | None:
        return fresh.get(key)

    skipped: list = []
    budget = float(getattr(settings, "ABUSEDESK_EVIDENCE_TIME_BUDGET", 30))
    checks = run_checks(
        ips=subjects.ips,
        hosts=subjects.hosts,
        domains=subjects.domains,
        cached=cached,
        workers=int(getattr(settings, "ABUSEDESK_EVIDENCE_WORKERS", MAX_WORKERS)),
        deadline=time.monotonic() + budget if budget > 0 else None,
        skipped=skipped,
    )
    records = [_evidence_values(check, report) for check in checks]
    not_looked_up = [{"subject": h, "reason": "limit"} for h in subjects.over_limit]
    not_looked_up += [{"subject": s, "reason": "time"} for s in dict.fromkeys(a.subject for a in skipped)]
    # Read with the report above: when nothing is left out now and nothing was, the
    # facts stay as they are and need no lock (a run at the same time that leaves
    # something out writes it, as it would have had it committed last).
    facts_change = bool(not_looked_up) or "evidence_not_looked_up" in (report.facts or {})
    mark_case = bool(records and report.case_id)
    # One write alone needs no transaction of its own (a round trip each way less).
    with transaction.atomic() if facts_change or mark_case else nullcontext():
        _evidence_insert(records)
        if facts_change:
            _record_not_looked_up(report.pk, not_looked_up)
        if mark_case:
            from complaints.services.cases import case_mark_changed

            case_mark_changed(case_ids=[report.case_id])
    if not_looked_up:
        logger.info("report %s: %d subjects not looked up (limit or time)", report_id, len(not_looked_up))
    logger.info("report %s: %d evidence records added, %d still fresh", report_id, len(records), len(fresh))
    return len(records)
