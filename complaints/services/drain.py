"""Intake drains: workers take stored reports from the table, not one message each.

With a Redis broker and a database that can skip locked rows (PostgreSQL), the partner
API does not queue one Celery message per report. A few *drain slots* (flags in Redis,
`ABUSEDESK_INTAKE_DRAINS` of them) stand for drains that are running or queued. After
its commit, a filing takes a free slot and queues one `drain_received` task for it; if
every slot is taken it sends nothing, because a drain that holds a slot is bound to
look at the table again before it lets the slot go:

- a drain claims the oldest report still "received" (FOR UPDATE SKIP LOCKED: two drains
  never take the same one) and processes it in the claim's transaction, again and
  again while it finds one;
- finding none, it waits a moment, looks once more, then frees its slot and looks a
  last time. A filing that found the slot taken committed before the slot was freed,
  so that last look sees it. If it finds one, the drain processes it and takes its
  slot again to go on; if a filing took the slot first, the drain that filing queued
  looks at the table later than this, and this one stops.

Under a flood the slots stay taken and a message is sent per drain, not per report;
a lone report costs one message as before. A drain yields after
`DRAIN_BUDGET_SECONDS` (queueing itself again, at the back of its queue), so the
evaluations and sweeps on the same queue get their turn; if the broker refuses that
message it goes on itself, since the filings that found its slot taken count on it. A
report whose processing the database refused is passed over by every drain for
`SKIP_SECONDS` (remembered in Redis), left to the recovery sweep's own task. A slot
whose drain died expires after `SLOT_TTL_SECONDS`. The recovery sweep, finding reports
left "received", starts a drain on each free slot rather than a message per report, and
hands its own task (process_report) only the reports the drains pass over.
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from functools import lru_cache

from django.conf import settings
from django.db import OperationalError, connection, transaction

from abusedesk import rawsql
from abusedesk.audit import audit_seals_held
from complaints.choices import ReportStatus
from complaints.models import Report

from .cases import case_changes_held

logger = logging.getLogger(__name__)

# A drain yields its worker after this long (queued again if there was more to do).
DRAIN_BUDGET_SECONDS = 5.0
# Finding nothing, a drain looks again after this pause before it frees its slot: a
# steady stream of filings keeps one drain busy instead of one message per report.
LINGER_SECONDS = 0.02
# A drain seals its audit entries and announces its changed cases once per this long.
GROUP_SECONDS = 0.5
# A slot not freed within this long (its drain died, its message was lost) is free again.
SLOT_TTL_SECONDS = 60
# A report whose processing the database refused is passed over by every drain for this
# long (the recovery sweep, every minute, hands it to its own task meanwhile): a drain
# queued again after its budget, or started by a filing, does not spend its turn on it
# once more. A report the database refused only by chance (a deadlock) waits for that.
SKIP_SECONDS = 60

# Takes the first free slot: 1-based index, or 0 when every slot is taken.
_TAKE_SLOT = """
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) then return i end
end
return 0
"""


def drains_enabled() -> bool:
    """Drains need a Redis broker (for the slots), tasks sent to it (not run in process)
    and a database that can skip locked rows."""
    from abusedesk.celery import app

    if settings.ABUSEDESK_INTAKE_DRAINS <= 0 or app.conf.task_always_eager:
        return False
    if not _broker_url().startswith(("redis://", "rediss://")):
        return False
    return connection.features.has_select_for_update_skip_locked


@lru_cache(maxsize=4)
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@lru_cache(maxsize=4)
def _script(url: str):
    return _client(url).register_script(_TAKE_SLOT)


def _broker_url() -> str:
    """The Redis that Celery sends to (the slots live beside its queues)."""
    from abusedesk.celery import app

    return str(app.conf.broker_write_url or app.conf.broker_url or "")


def slot_keys() -> list[str]:
    """The slots' keys, under the queues' prefix: another installation (or a test run)
    on the same Redis has its own."""
    return [_key(n) for n in range(1, settings.ABUSEDESK_INTAKE_DRAINS + 1)]


def _key(slot: int) -> str:
    """Slot `slot`'s key, whatever this process's count of slots: a web process given more
    slots than the worker queues drains for slots the worker must still free."""
    from abusedesk.celery import app

    return f"{app.conf.task_default_queue}:intake-drain:{slot}"


def _skipped_key() -> str:
    from abusedesk.celery import app

    return f"{app.conf.task_default_queue}:intake-drain:skipped"


def intake_kick() -> bool:
    """After a filing's commit: make sure a drain will see it. Takes a free slot and
    queues a drain for it, or finds every slot taken (a drain will look again). False
    when Redis or the broker cannot be reached: the caller processes the report itself."""
    from complaints.tasks import drain_received

    url = _broker_url()
    keys = slot_keys()
    try:
        slot = int(_script(url)(keys=keys, args=[SLOT_TTL_SECONDS]))
    except Exception:
        logger.warning("taking an intake drain slot failed", exc_info=True)
        return False
    if not slot:
        return True
    try:
        drain_received.delay(slot)
    except Exception:
        logger.warning("queueing an intake drain failed", exc_info=True)
        _release(slot)
        return False
    return True


def stale_received_hand_over(report_ids: list[int]) -> list[int]:
    """The recovery sweep found these reports still "received" (oldest first): start a
    drain on each free slot, since drains take the oldest report first, and return the
    reports that need a task of their own: those the drains pass over, or all of them
    when Redis or the broker cannot be reached. A message per report here would race the
    drains for the same oldest reports through a backlog, a parse wasted for each."""
    from complaints.tasks import drain_received

    if not report_ids:
        return []
    skipped = set(_skipped_lately())
    left = [pk for pk in report_ids if pk not in skipped]
    if not left:
        return report_ids
    url = _broker_url()
    try:
        for _ in range(min(len(left), settings.ABUSEDESK_INTAKE_DRAINS)):
            slot = int(_script(url)(keys=slot_keys(), args=[SLOT_TTL_SECONDS]))
            if not slot:
                break  # the other slots' drains are running or queued: they will look
            try:
                drain_received.delay(slot)
            except Exception:
                _release(slot)
                raise
    except Exception:
        logger.warning("starting intake drains for the recovery failed", exc_info=True)
        return report_ids
    return [pk for pk in report_ids if pk in skipped]


def _release(slot: int) -> None:
    try:
        _client(_broker_url()).delete(_key(slot))
    except Exception:  # the slot expires on its own; a drain may start late, none is lost
        logger.warning("freeing intake drain slot %s failed", slot, exc_info=True)


def _retake(slot: int) -> bool:
    try:
        return bool(_client(_broker_url()).set(_key(slot), "1", nx=True, ex=SLOT_TTL_SECONDS))
    except Exception:
        logger.warning("taking intake drain slot %s again failed", slot, exc_info=True)
        return False


def _requeue(slot: int) -> bool:
    """The budget is spent and there is more to do: hold the slot again for its full
    time and queue this drain again, behind what waits on the queue. False when it could
    not be queued: the drain still holds its slot, and the filings that found it taken
    count on it, so it goes on itself."""
    from complaints.tasks import drain_received

    try:
        _client(_broker_url()).set(_key(slot), "1", ex=SLOT_TTL_SECONDS)
        drain_received.delay(slot)
    except Exception:
        logger.warning("queueing intake drain %s again failed, it goes on", slot, exc_info=True)
        return False
    return True


def _skipped_lately() -> list[int]:
    """The reports the database refused to any drain within SKIP_SECONDS."""
    now = time.time()
    try:
        pipe = _client(_broker_url()).pipeline(transaction=False)
        pipe.zremrangebyscore(_skipped_key(), "-inf", now - SKIP_SECONDS)
        pipe.zrangebyscore(_skipped_key(), now - SKIP_SECONDS, "+inf")
        return [int(pk) for pk in pipe.execute()[1]]
    except Exception:
        logger.warning("reading the reports the intake drains pass over failed", exc_info=True)
        return []


def _skip(report_id: int, skipped: list[int]) -> None:
    """Pass over this report from now on, in this drain and (for SKIP_SECONDS) in every other."""
    skipped.append(report_id)
    try:
        pipe = _client(_broker_url()).pipeline(transaction=False)
        pipe.zadd(_skipped_key(), {str(report_id): time.time()})
        pipe.expire(_skipped_key(), SKIP_SECONDS)
        pipe.execute()
    except Exception:
        logger.warning("recording report %s as passed over failed", report_id, exc_info=True)


def received_drain(*, slot: int, budget: float = DRAIN_BUDGET_SECONDS) -> int:
    """Process stored reports until none is left (or the budget is spent); returns how
    many reports this drain took. `slot` is the one it holds (1-based)."""
    group = _Group()
    try:
        return _drain(slot, budget, group)
    finally:
        group.close()


def _drain(slot: int, budget: float, group: _Group) -> int:
    done = 0
    deadline = time.monotonic() + budget
    # Reports whose processing the database refused (a timeout), here or in another
    # drain lately: left to the recovery sweep's own task and its retries, never in
    # every drain's way.
    skipped: list[int] = _skipped_lately()
    while True:
        if time.monotonic() >= deadline:
            group.close()
            if _requeue(slot):
                return done
            deadline = time.monotonic() + budget
        group.tick()
        if _drain_one(skipped):
            done += 1
            continue
        group.close()  # nothing to wait for: the seal and the announcements go now
        time.sleep(LINGER_SECONDS)
        if _drain_one(skipped):
            done += 1
            continue
        group.close()
        _release(slot)
        # The last look: a filing that found this slot taken has committed by now.
        if not _drain_one(skipped):
            return done
        done += 1
        # More came in: hold the slot again and go on, or, if a filing has taken it since
        # (and queued a drain that will look at the table after this moment), stop here.
        if not _retake(slot):
            return done


class _Group:
    """The reports a drain processes within GROUP_SECONDS share one chaining of their
    audit entries and one announcement of the cases they changed (the evaluations
    queued once per case), instead of one of each per report. Every entry and every
    change is still committed with its own report; a drain that dies before the group
    ends leaves the entries to the next seal and the cases to the periodic sweep of
    stale recommendations, as one dying between a report's two transactions would."""

    def __init__(self) -> None:
        self._held: ExitStack | None = None
        self._until = 0.0

    def tick(self) -> None:
        """Before a report: end the group if its time is up, and open one if none is."""
        if self._held is not None and time.monotonic() >= self._until:
            self.close()
        if self._held is None:
            held = ExitStack()
            held.enter_context(audit_seals_held())
            held.enter_context(case_changes_held())
            self._held, self._until = held, time.monotonic() + GROUP_SECONDS

    def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()


_NEXT = "t.status = %s"
_NEXT_SKIPPING = "t.status = %s AND NOT (t.id = ANY(%s))"
_NEXT_TAIL = "ORDER BY t.id LIMIT 1 FOR UPDATE SKIP LOCKED"


def _drain_one(skipped: list[int]) -> bool:
    """Claim the oldest report still waiting that no other drain holds and process it in
    the claim's transaction. False when there is none."""
    from subscribers.selectors import lookups_memoized

    from .intake import _parse, report_processing_failed, report_store_parsed, stored_short_form

    report_id = None
    waiting = str(ReportStatus.RECEIVED)
    with audit_seals_held(), case_changes_held(), lookups_memoized():
        try:
            with transaction.atomic():
                if skipped:
                    found = rawsql.instances(Report, _NEXT_SKIPPING, [waiting, skipped], tail=_NEXT_TAIL)
                else:
                    found = rawsql.instances(Report, _NEXT, [waiting], tail=_NEXT_TAIL)
                if not found:
                    return False
                report = found[0]
                report_id = report.pk
                report_store_parsed(report, _parse(report, stored_short_form(report)))
        except OperationalError:
            if report_id is None:
                raise  # the database is busy or away: the task is tried again
            logger.warning("processing report %s failed, left to the recovery", report_id, exc_info=True)
            _skip(report_id, skipped)
        except Exception as exc:
            if report_id is None:
                raise
            report_processing_failed(report_id, exc)
    return True
