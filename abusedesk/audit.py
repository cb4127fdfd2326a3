"""The audit trail: one function writes, one verifies.

Write the entry inside the same transaction as the change it records, so a
rolled-back change leaves no entry and a committed one always has its entry.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from . import rawsql
from .models import AuditEntry

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "at": entry.at.astimezone(datetime.UTC).isoformat(),
        "actor": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "case_id": entry.case_id,
        "reason": entry.reason,
        "data": entry.data,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(entry)).hexdigest()


def audit_record(
    *,
    actor=None,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    case_id: int | None = None,
    reason: str = "",
    data: dict | None = None,
    system_actor: str = "system",
    seal: bool = True,
) -> AuditEntry:
    """Append an entry in the caller's transaction. `actor` None means the system.

    The entry is chained (sealed) right after the transaction commits. Chaining
    inside the transaction would need a lock on the chain's tail, which every
    writer of the desk would take in a different order relative to its other
    row locks: PostgreSQL found the deadlocks.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if getattr(actor, "pk", None) else system_actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        reason=reason,
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
    )
    rawsql.insert([entry])  # written on every change the desk makes: by hand, not compiled
    # robust: the change and its entry are committed; an entry left unsealed (the
    # database busy for longer than its timeout) is chained by the next seal.
    # `seal=False`: a hot path whose queued follow-up records (and seals) an entry of
    # its own leaves the chaining to it; the next seal, whoever runs it, chains this one.
    if seal:
        if getattr(_seal_hold, "active", False):
            _seal_hold.owed = True
        else:
            transaction.on_commit(audit_seal, robust=True)
    return entry


def audit_record_many(*, action: str, objects, data, system_actor: str = "system") -> list[AuditEntry]:
    """One system entry per object (`data(obj)` its data), in one statement, in the
    caller's transaction: the bulk intake's counterpart of `audit_record` with
    `seal=False`. The entries are chained by the next seal (the queued processing's
    own entries seal them), so a bulk path never queues on the chain's lock."""
    now = timezone.now()
    entries = [
        AuditEntry(
            at=now,
            actor=None,
            actor_name=system_actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            case_id=None,
            reason="",
            data=json.loads(json.dumps(data(obj) or {}, cls=DjangoJSONEncoder)),
        )
        for obj in objects
    ]
    return AuditEntry.objects.bulk_create(entries)
_seal_hold = threading.local()


@contextmanager
def audit_seals_held():
    """Seal once at the end of a unit of work made of several transactions (a worker
    processing, grouping and attributing one report), not after each of them.

    Every entry is written in its own change's transaction as always; only the
    chaining waits for the end of the unit, and if that never comes (the process
    dies) the next seal, whoever runs it, chains the entries left. Nested, the
    outermost seals."""
    if getattr(_seal_hold, "active", False):
        yield
        return
    _seal_hold.active, _seal_hold.owed = True, False
    try:
        yield
    finally:
        owed = _seal_hold.owed
        _seal_hold.active = _seal_hold.owed = False
        if owed:
            transaction.on_commit(audit_seal, robust=True)


SEAL_LOCK = 727_001  # PostgreSQL advisory lock key: one sealer at a time
_LAST_SEALED = (
    f"SELECT seq, entry_hash FROM {AuditEntry._meta.db_table} "  # noqa: S608 (table name only)
    "WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
)


def audit_seal() -> int:
    """Chain every committed, unsealed entry after the last sealed one. Idempotent.

    Runs in its own short transaction under one lock, so the chain order is the
    order in which entries were sealed (after their commit).
    """
    sealed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The partial index of unsealed entries keeps one entry per sealed row
                # until VACUUM (autovacuum waits for a fifth of the table to change). A
                # bitmap scan, which the planner picks for the few live rows, visits each
                # such row's heap page on every seal (5 ms at 34,000); an index scan marks
                # them dead as it passes, and the next seal reads only the index (0.3 ms).
                # The lock and that setting (SET LOCAL) in one round trip.
                lock = "SELECT pg_advisory_xact_lock(%s), set_config('enable_bitmapscan', 'off', true)"
                cursor.execute(lock, [SEAL_LOCK])
        # The chain's end, by hand: a worker seals after every report, and compiling
        # this through the ORM cost more than reading it.
        with connection.cursor() as cursor:
            cursor.execute(_LAST_SEALED)
            last = cursor.fetchone()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        entries = rawsql.instances(AuditEntry, "t.seq IS NULL", [], tail="ORDER BY t.id")
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.entry_hash = entry_hash(prev, entry)
            prev = entry.entry_hash
        # One statement for the lot (a worker's report leaves about four entries); the
        # lock above keeps any other sealer out until this transaction ends.
        for start in range(0, len(entries), 500):
            _write_chain(entries[start : start + 500])
        sealed = len(entries)
    return sealed


def _write_chain(entries: list[AuditEntry]) -> None:
    """seq, prev_hash and entry_hash of these entries in one UPDATE, written by hand:
    bulk_update's CASE expressions cost more to compile than the update to run."""
    if not entries:
        return
    quote = connection.ops.quote_name
    case = "CASE id " + " ".join(["WHEN %s THEN %s"] * len(entries)) + " END"
    sql = (
        f"UPDATE {quote(AuditEntry._meta.db_table)} SET seq = {case}, prev_hash = {case}, "  # noqa: S608
        f"entry_hash = {case} WHERE id IN ({', '.join(['%s'] * len(entries))})"
    )
    params: list = []
    for field in ("seq", "prev_hash", "entry_hash"):
        for entry in entries:
            params += (entry.pk, getattr(entry, field))
    params += [entry.pk for entry in entries]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    first_broken: AuditEntry | None
    problem: str = ""


def audit_verify() -> ChainCheck:
    audit_seal()
    prev = GENESIS
    checked = 0
    expected_seq = 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq or entry.prev_hash != prev:
            return ChainCheck(checked, entry, "does not link to the entry before it (deleted or reordered)")
        if entry_hash(prev, entry) != entry.entry_hash:
            return ChainCheck(checked, entry, "content does not match its hash (edited)")
        prev = entry.entry_hash
        checked += 1
        expected_seq += 1
    return ChainCheck(checked, None)
