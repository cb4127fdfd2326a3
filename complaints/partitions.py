"""Partitions of the reports on PostgreSQL, by ranges of id, and the reports' retention.

`complaints_report` is `PARTITION BY RANGE (id)`: `complaints_report_r0001`,
`…_r0002`, … each hold ABUSEDESK_REPORT_PARTITION_IDS consecutive ids (about a month
of reports at a large ISP's volume with the default), and a DEFAULT partition catches
ids beyond the last range if the upkeep has not run for a long while (they stay there;
the next range starts after them).

Why by id and not by month of `received_at` like the traffic logs: the desk reads a
report by its id everywhere (the intake's workers, the case page, the dossier, the
API), and a read by id cannot be pruned on a table partitioned by time. Measured on
PostgreSQL 15 (bench/README.md): planning `SELECT … WHERE id = ?` took 0.7 ms at 17
monthly partitions and 7.9 ms at 65 (five years), against 0.03 ms on a plain table;
partitioned by id, the same read plans one partition. Ids grow with time, so a range
is also a span of time, and whole ranges expire together.

Keys: the primary key stays `id` (it holds the partition key), so foreign keys still
point at the reports; the uniqueness per reporter lives in `complaints_reportdigest`.

Retention (ABUSEDESK_REPORT_RETENTION_DAYS, 0 keeps everything): POLICY.md keeps
digests, extracted facts and decision records five years by default; the raw content
goes long before (complaints/services/retention.py). A report expires when it was
received before the cutoff and its case, if any, is closed and was closed before the
cutoff. A range all of whose reports were received before the cutoff and which no new
id can reach is detached and dropped, after the rows that point at its reports (hops,
URLs, evidence, forwards, digests) are deleted; if some of its reports are still
needed by a case, only the expired ones are deleted. Expired reports elsewhere (and
every one on SQLite) are deleted one statement per table.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from complaints.choices import CaseStatus
from subscribers.partitions import is_partitioned, name_indexes, partition_names

TABLE = "complaints_report"
# Ranges kept ready beyond the one the id sequence is in.
RANGES_AHEAD = 2
_BOUND = re.compile(r"FROM \('?(\d+)'?\) TO \('?(\d+)'?\)")
_NAME = re.compile(rf"^{TABLE}_r(\d+)$")
# What still needs an old report: a case open, or closed on or after the cutoff.
KEEP_SQL = (
    "case_id IN (SELECT c.id FROM complaints_case c "
    "WHERE c.status <> 'closed' OR c.closed_at IS NULL OR c.closed_at >= %s)"
)
# The rows that point at a report and go with it: (model label, field).
DEPENDENTS = (
    ("complaints.Hop", "report"),
    ("complaints.ReportUrl", "report"),
    ("complaints.Evidence", "report"),
    ("complaints.Forward", "report"),
    ("complaints.ReportDigest", "report"),
)


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def span() -> int:
    return settings.ABUSEDESK_REPORT_PARTITION_IDS


def ranges(parent: str = TABLE) -> list[tuple[str, int, int]]:
    """(name, first id, first id of the next range) of each range partition, in order."""
    found = []
    for name, bound in _rows(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
        [parent],
    ):
        m = _BOUND.search(bound or "")
        if m:
            found.append((name, int(m[1]), int(m[2])))
    return sorted(found, key=lambda r: r[1])


def _next_name(parent: str = TABLE) -> str:
    numbers = [
        int(m[1]) for name in partition_names(parent) if (m := _NAME.match(name.replace(parent, TABLE)))
    ]
    return f"{TABLE}_r{max(numbers, default=0) + 1:04d}"


def _top_id() -> int:
    """The highest id handed out (by the sequence) or stored."""
    sequence = _rows("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0][0]
    handed = 0
    if sequence:
        last, called = _rows(f"SELECT last_value, is_called FROM {sequence}")[0]  # noqa: S608
        handed = last if called else last - 1
    stored = _rows(f"SELECT coalesce(max(id), 0) FROM {TABLE}")[0][0]  # noqa: S608
    return max(handed, stored)


def _create_range(lower: int, upper: int, *, parent: str = TABLE) -> str:
    """One range partition (PostgreSQL checks DEFAULT holds none of its ids)."""
    name = _next_name(parent)
    _execute(f"CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM ({int(lower)}) TO ({int(upper)})")
    if parent == TABLE:
        name_indexes(TABLE)
    return name


def lay_out(*, upto: int, size: int | None = None, parent: str = TABLE) -> None:
    """Ranges of `size` ids from id 1 to RANGES_AHEAD ranges past `upto`, and DEFAULT,
    on `parent` (the table, or the new table while converting)."""
    size = size or span()
    lower = 1
    while True:
        _create_range(lower, lower + size, parent=parent)
        lower += size
        if lower > upto + RANGES_AHEAD * size:
            break
    _execute(f"CREATE TABLE {TABLE}_default PARTITION OF {parent} DEFAULT")
    if parent == TABLE:
        name_indexes(TABLE)


def ensure_ahead(*, size: int | None = None) -> list[str]:
    """Create ranges until RANGES_AHEAD ranges lie past the highest id handed out.
    Returns the names created.

    Reports that reached DEFAULT (ids past the last range: the upkeep did not run for
    that long) stay there, and the next range starts after them: moving them out would
    break the foreign keys that point at them (PostgreSQL checks a key deleted from a
    partition as gone, even when it is inserted into another one in the same
    transaction)."""
    size = size or span()
    created = []
    with transaction.atomic():
        top = _top_id()
        existing = ranges()
        lower = existing[-1][2] if existing else 1
        if lower <= top + RANGES_AHEAD * size:
            # Writers wait (readers do not), so no id lands in DEFAULT meanwhile.
            _execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
            top = _top_id()
            if f"{TABLE}_default" in partition_names(TABLE):
                stray = _rows(f"SELECT coalesce(max(id), 0) FROM {TABLE}_default")[0][0]  # noqa: S608
                lower = max(lower, stray + 1)
        while lower <= top + RANGES_AHEAD * size:
            created.append(_create_range(lower, lower + size))
            lower += size
    return created


def partition_table(*, size: int | None = None) -> None:
    """Convert the plain reports table into a partitioned one (PostgreSQL; run by the
    migration). The foreign keys that point at it are dropped and made again against
    the new table; its own constraints and indexes are made again under their names."""
    size = size or span()
    new = f"{TABLE}_partitioned"
    _execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    _execute("SET CONSTRAINTS ALL IMMEDIATE")
    constraints = _rows(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype <> 'p' ORDER BY contype, conname",
        [TABLE],
    )
    for name, kind, definition in constraints:
        columns = re.search(r"\((.*?)\)", definition)
        if kind == "u" and "id" not in [c.strip() for c in columns[1].split(",")]:
            raise RuntimeError(f"{TABLE}: unique constraint {name} does not contain id")
    indexes = _rows(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = to_regclass(%s) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c "
        "  WHERE c.conindid = pg_index.indexrelid AND c.conrelid = pg_index.indrelid)",
        [TABLE],
    )
    referencing = _rows(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = to_regclass(%s) AND contype = 'f' ORDER BY conrelid::regclass::text, conname",
        [TABLE],
    )
    for table, name, _definition in referencing:
        _execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    top = _rows(f"SELECT coalesce(max(id), 0) FROM {TABLE}")[0][0]  # noqa: S608
    _execute(
        f"CREATE TABLE {new} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING STORAGE) PARTITION BY RANGE (id)"
    )
    _execute(f"ALTER TABLE {new} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    lay_out(upto=top, size=size, parent=new)
    _execute(f"INSERT INTO {new} SELECT * FROM {TABLE}")  # noqa: S608
    _execute(f"DROP TABLE {TABLE}")
    _execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
    identity = f"ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {int(top) + 1})"
    _execute(f"ALTER TABLE {TABLE} ALTER COLUMN id {identity}")
    _execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
    for name, _kind, definition in constraints:
        _execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        _execute(definition)
    name_indexes(TABLE)
    for table, name, definition in referencing:
        _execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# --- retention ---------------------------------------------------------------------------


def _still_needed(cutoff: datetime) -> Q:
    return Q(case__isnull=False) & (
        ~Q(case__status=CaseStatus.CLOSED) | Q(case__closed_at__isnull=True) | Q(case__closed_at__gte=cutoff)
    )


def expired(cutoff: datetime) -> Q:
    return Q(received_at__lt=cutoff) & ~_still_needed(cutoff)


def _delete_dependents(ids_sql: str, params: list) -> None:
    from django.apps import apps

    for label, field_name in DEPENDENTS:
        model = apps.get_model(label)
        column = model._meta.get_field(field_name).column
        _execute(f'DELETE FROM {model._meta.db_table} WHERE "{column}" IN ({ids_sql})', params)  # noqa: S608


def drop_expired(*, cutoff: datetime) -> dict:
    """Remove the reports that expired at `cutoff`, with the rows that point at them.

    Returns {"detached": [partitions dropped], "rows": reports removed}.
    """
    from complaints.models import Report

    detached, removed = [], 0
    with transaction.atomic():
        if is_partitioned(TABLE):
            top, locked = _top_id(), False
            for name, _lower, upper in ranges():
                if upper <= top + 1 and _wholly_before(name, cutoff):
                    if not locked:
                        # Writers wait, readers do not; foreign-key checks of rows written
                        # earlier in this transaction run now, before a partition goes.
                        _execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
                        _execute("SET CONSTRAINTS ALL IMMEDIATE")
                        locked = True
                    needed = _rows(f"SELECT count(*) FROM {name} WHERE {KEEP_SQL}", [cutoff])[0][0]  # noqa: S608
                    if needed:
                        continue  # its expired reports go one statement per table, below
                    removed += _rows(f"SELECT count(*) FROM {name}")[0][0]  # noqa: S608
                    _delete_dependents(f"SELECT id FROM {name}", [])  # noqa: S608
                    _execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
                    _execute(f"DROP TABLE {name}")
                    detached.append(name)
        qs = Report.objects.filter(expired(cutoff))
        ids_sql, params = qs.values("pk").query.sql_with_params()
        _delete_dependents(ids_sql, list(params))
        removed += qs._raw_delete(qs.db)
    return {"detached": detached, "rows": removed}


def _wholly_before(name: str, cutoff: datetime) -> bool:
    newest = _rows(f"SELECT max(received_at) FROM {name}")[0][0]  # noqa: S608
    return newest is not None and newest < cutoff


def upkeep(*, now: datetime) -> dict:
    """Ranges ahead (PostgreSQL) and the reports' retention."""
    from datetime import timedelta

    created = ensure_ahead() if is_partitioned(TABLE) else []
    done = {"detached": [], "rows": 0}
    days = settings.ABUSEDESK_REPORT_RETENTION_DAYS
    if days:
        done = drop_expired(cutoff=now - timedelta(days=days))
    return {"created": created, **done}
