"""The audit trail: one function writes, one verifies.

Write the entry inside the same transaction as the change it records, so a
rolled-back change leaves no entry and a committed one always has its entry.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    body = {
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
) -> AuditEntry:
    """Append an entry. `actor` None means the system (a task, an importer)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with transaction.atomic():
        # Lock the chain's tail so two writers cannot both link to it.
        last = AuditEntry.objects.select_for_update().order_by("-id").only("entry_hash").first()
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
            prev_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = entry_hash(entry.prev_hash, entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    first_broken: AuditEntry | None
    problem: str = ""


def audit_verify() -> ChainCheck:
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainCheck(checked, entry, "does not link to the entry before it (deleted or reordered)")
        if entry_hash(prev, entry) != entry.entry_hash:
            return ChainCheck(checked, entry, "content does not match its hash (edited)")
        prev = entry.entry_hash
        checked += 1
    return ChainCheck(checked, None)
