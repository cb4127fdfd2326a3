"""Keep each open case's evidence level and recommended measure current.

The queue shows them and filters on them. A case is re-evaluated as soon as what its
facts are built from changes (complaints announce it with `case_changed`; our
listener enqueues `refresh_case_recommendation` after the commit, which runs in
process without a broker) and, as a safety net, by a periodic sweep of cases whose
recommendation is older than their facts or than the criteria version in force.

After a criteria edit every open case is stale at once. A case whose facts have not
changed since its last full evaluation is evaluated again on what that evaluation
read (sanctions.models.EvaluatedFacts), in batches: its own row, its subscribers'
accounts and measures are read afresh for the whole batch, and the time-relative
facts (the reporters within the rule's window, "still going on", the repeat window)
are judged at the new evaluation's time. The result is what the full path gives on
the same records; the full path stays for every case whose facts changed or that
has no stored facts.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from complaints.choices import CaseStatus
from complaints.facts.derive import case_derived_facts
from complaints.models import Case
from sanctions.facts import (
    case_facts_read,
    cases_inventory,
    facts_from_read,
    facts_record,
    read_facts_loaded,
    read_facts_stored,
)
from sanctions.models import EvaluatedFacts, QueuedEvaluation
from sanctions.policy import recommend, recommend_all

logger = logging.getLogger(__name__)

# A queued evaluation older than this is taken as lost (the broker dropped it, a worker
# died holding it): the next change queues one again.
QUEUED_EVALUATION_EXPIRY = timedelta(minutes=5)

# The case columns an evaluation on stored facts reads (and the staleness it checks).
_ROW_FIELDS = (
    "id", "status", "roles", "sending_method", "account_kinds", "accounts", "last_seen",
    "recommendation", "recommended_at", "facts_changed_at",
)  # fmt: skip


def case_recommendation_refresh(*, case_id: int, only_if_stale: bool = False) -> dict | None:
    """Evaluate the case and store the result. With `only_if_stale`, skip a case whose
    stored recommendation already covers its latest change (many changes queued while
    one evaluation ran need no second one) or that is no longer open.
    """
    started = timezone.now()
    case = Case.objects.get(pk=case_id)
    if only_if_stale and not _is_stale(case):
        return None
    derived = case_derived_facts(case)
    facts, read = case_facts_read(case, derived=derived)
    recommendation = recommend(facts).to_dict()
    # The derived facts (joe job, shared IPv4, aggravation, telemetry, sender
    # authentication) with the steps and records behind them, as they were evaluated.
    recommendation["facts"] = facts_record(case, derived, facts, recommendation)
    # Stamped with the time the facts were read: a change committed while this ran
    # is newer, so the case stays stale and is evaluated again.
    with transaction.atomic():
        Case.objects.filter(pk=case_id).update(
            evidence_level=recommendation.get("evidence_level") or "",
            recommended_level=recommendation.get("level") or "",
            recommendation=recommendation,
            recommended_at=started,
        )
        EvaluatedFacts.objects.bulk_create(
            [EvaluatedFacts(case_id=case_id, read_at=started, facts=read_facts_stored(read))],
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["read_at", "facts"],
        )
    return recommendation


def evaluations_queue(case_ids: list[int]) -> list[int]:
    """Queue the re-evaluation of these changed cases, each unless one is already waiting.

    Call after the change has committed. Without a broker (tasks run in process) each
    is evaluated here and now. With one, a case with an evaluation still in the queue
    gets no second one: that one deletes its QueuedEvaluation row before it reads the
    case, so it sees this change. Returns the ids queued (or evaluated)."""
    from sanctions.tasks import refresh_case_recommendation

    if _in_process():
        for case_id in case_ids:
            try:
                refresh_case_recommendation.delay(case_id)
            except Exception:  # one case's failure leaves the others' evaluation to run
                logger.exception("evaluating case %s failed; the periodic sweep tries again", case_id)
        return list(case_ids)
    claimed = _claim(case_ids)
    waits = _waits(claimed)
    for n, case_id in enumerate(claimed):
        try:
            if waits.get(case_id):
                refresh_case_recommendation.apply_async((case_id,), countdown=waits[case_id])
            else:
                refresh_case_recommendation.delay(case_id)
        except Exception:
            # The broker is away: nothing waits for these cases after all. The periodic
            # sweep of stale cases evaluates them; the next change queues them again.
            QueuedEvaluation.objects.filter(case_id__in=claimed[n:]).delete()
            logger.warning("queueing the evaluation of cases %s failed", claimed[n:], exc_info=True)
            return claimed[:n]
    return claimed


def _waits(case_ids: list[int]) -> dict[int, float]:
    """Seconds each case's evaluation waits: a case evaluated less than
    ABUSEDESK_EVALUATION_INTERVAL_SECONDS ago is evaluated again when that time is up,
    with every change made meanwhile (its queued evaluation stands for them all). Under
    a burst of reports a case is evaluated a few times a minute, not after each one;
    the queues show the recommendation that late at most, and the propose page evaluates
    the case afresh (with the mail-log figures of the last evaluation)."""
    interval = settings.ABUSEDESK_EVALUATION_INTERVAL_SECONDS
    if not interval or not case_ids:
        return {}
    now = timezone.now()
    evaluated = Case.objects.filter(pk__in=case_ids, recommended_at__isnull=False)
    last = evaluated.values_list("pk", "recommended_at")
    return {pk: wait for pk, at in last if (wait := interval - (now - at).total_seconds()) > 0}


def _in_process() -> bool:
    """Tasks run where they are sent (no broker: make run's default): nothing queues."""
    from abusedesk.celery import app

    return bool(app.conf.task_always_eager)


_TABLE = QueuedEvaluation._meta.db_table


def _claim(case_ids: list[int]) -> list[int]:
    """The cases among these with no evaluation queued (or one queued so long ago that it
    is taken as lost), marked as queued now: one statement."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    expired = connection.ops.adapt_datetimefield_value(now - QUEUED_EVALUATION_EXPIRY)
    values = ", ".join(["(%s, %s)"] * len(ids))
    params = [p for case_id in ids for p in (case_id, at)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (case_id, queued_at) VALUES {values} "  # noqa: S608 (table name only)
            f"ON CONFLICT (case_id) DO UPDATE SET queued_at = excluded.queued_at "
            f"WHERE {_TABLE}.queued_at < %s RETURNING case_id",
            [*params, expired],
        )
        return sorted(row[0] for row in cursor.fetchall())


def queued_evaluation_taken(case_id: int) -> None:
    """The queued evaluation of this case starts: a change committed from now on queues
    the next one (this one may not see it). In process (no broker) nothing is queued."""
    if _in_process():
        return
    QueuedEvaluation.objects.filter(case_id=case_id).delete()


def _is_stale(case: Case) -> bool:
    if case.status != CaseStatus.OPEN:
        return False
    if case.recommended_at is None or case.recommendation is None:
        return True
    if case.facts_changed_at is not None and case.recommended_at < case.facts_changed_at:
        return True
    from policies.selectors import active_criteria

    active = active_criteria()
    return active is not None and case.recommendation.get("criteria_version") != active.version


def stale_cases(*, criteria_version: int | None, limit: int = 1000):
    """Open cases never evaluated, changed since, or evaluated on other criteria."""
    stale = Q(recommended_at__isnull=True) | Q(recommended_at__lt=F("facts_changed_at"))
    if criteria_version is not None:
        stale |= ~Q(recommendation__criteria_version=criteria_version)
    return Case.objects.filter(stale, status=CaseStatus.OPEN).values_list("pk", flat=True)[:limit]


def refresh_stale_recommendations(*, limit: int = 1000) -> int:
    from policies.selectors import active_criteria

    active = active_criteria()
    ids = list(stale_cases(criteria_version=active.version if active else None, limit=limit))
    cases_reevaluate(ids)
    return len(ids)


def cases_reevaluate(case_ids: list[int]) -> dict[str, int]:
    """Evaluate these cases again: on their stored facts where nothing they were read
    from has changed since ("stored"), else in full, one at a time ("full").
    Returns how many took each way (cases no longer open are left alone)."""
    started = timezone.now()
    stored = {
        pk: (read_at, facts)
        for pk, read_at, facts in EvaluatedFacts.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "read_at", "facts"
        )
    }
    # PostgreSQL keeps the derived record of the recommendation where it is and replaces
    # only what the criteria add to it (_store): the record is not read here.
    fields = [f for f in _ROW_FIELDS if f != "recommendation" or connection.vendor != "postgresql"]
    rows = (
        Case.objects.filter(pk__in=case_ids)
        .only(*fields)
        .annotate(recorded=ExpressionWrapper(Q(recommendation__has_key="facts"), output_field=BooleanField()))
        .order_by("pk")
    )
    reusable, full = [], []
    for case in rows:
        if case.status != CaseStatus.OPEN:
            continue
        read = _reusable(case, stored.get(case.pk))
        if read is None:
            full.append(case.pk)
        else:
            reusable.append((case, read))
    for pk in full:
        case_recommendation_refresh(case_id=pk)
    if reusable:
        _reevaluate_on_stored_facts(reusable, started=started)
    return {"stored": len(reusable), "full": len(full)}


def _reusable(case: Case, stored: tuple | None) -> dict | None:
    """What the case's last full evaluation read, if it still holds: read after the
    case's latest change, beside a recommendation that kept its derived record."""
    if stored is None or case.recommended_at is None or not case.recorded:
        return None
    read_at, facts = stored
    if case.facts_changed_at is not None and read_at < case.facts_changed_at:
        return None
    return read_facts_loaded(facts)


def _reevaluate_on_stored_facts(cases: list[tuple[Case, dict]], *, started) -> None:
    inventory = cases_inventory(
        [case for case, _ in cases], {case.pk: set(read["not_blamed"]) for case, read in cases}
    )
    now = timezone.now()
    facts = [facts_from_read(case, read, inventory[case.pk], now=now) for case, read in cases]
    rows = []
    for (case, read), case_facts, result in zip(cases, facts, recommend_all(facts), strict=True):
        recommendation = result.to_dict()
        # The record the full path keeps is what was derived then, with the criteria's
        # own conclusions added to its aggravating part: that part is built again from
        # the steps as derived; the rest of the record stays as it is.
        aggravating = {"value": list(read["aggravating"]), "steps": list(read["aggravating_steps"])}
        warnings = inventory[case.pk].warnings
        aggravating = facts_record(
            case, {"aggravating": aggravating}, case_facts, recommendation, warnings=warnings
        )["aggravating"]
        rows.append((case, recommendation, aggravating))
    _store(rows, recommended_at=started)


def _store(rows: list[tuple[Case, dict, dict]], *, recommended_at) -> None:
    """Write the new recommendations (the derived record kept, its aggravating part
    replaced), each only if the case is still open and nothing changed it meanwhile (a
    change or another evaluation since leaves it stale for the next sweep). One
    statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        batch = [
            {
                "id": case.pk,
                "evidence_level": r.get("evidence_level") or "",
                "level": r.get("level") or "",
                "recommendation": r,
                "aggravating": aggravating,
                "facts_changed_at": case.facts_changed_at.isoformat() if case.facts_changed_at else None,
                "recommended_at": case.recommended_at.isoformat(),
            }
            for case, r, aggravating in rows
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Case._meta.db_table} AS c SET evidence_level = v.evidence_level, "  # noqa: S608 (table name only)
                "recommended_level = v.level, recommended_at = %s, recommendation = v.recommendation "
                "|| jsonb_build_object('facts', (c.recommendation -> 'facts') "
                "|| jsonb_build_object('aggravating', v.aggravating)) "
                "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, evidence_level text, level text, "
                "recommendation jsonb, aggravating jsonb, facts_changed_at timestamptz, "
                "recommended_at timestamptz) "
                "WHERE c.id = v.id AND c.status = %s "
                "AND c.facts_changed_at IS NOT DISTINCT FROM v.facts_changed_at "
                "AND c.recommended_at = v.recommended_at",
                [recommended_at, json.dumps(batch), CaseStatus.OPEN],
            )
        return
    with transaction.atomic():
        for case, r, aggravating in rows:
            Case.objects.filter(
                Q(facts_changed_at=case.facts_changed_at)
                if case.facts_changed_at is not None
                else Q(facts_changed_at__isnull=True),
                pk=case.pk,
                status=CaseStatus.OPEN,
                recommended_at=case.recommended_at,
            ).update(
                evidence_level=r.get("evidence_level") or "",
                recommended_level=r.get("level") or "",
                recommendation={**r, "facts": {**case.recommendation["facts"], "aggravating": aggravating}},
                recommended_at=recommended_at,
            )
