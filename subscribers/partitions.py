"""Monthly partitions of the traffic logs on PostgreSQL, and their retention.

The session log, the mail log and the NAT port-block log grow by the month and are
read by instant. On PostgreSQL each is `PARTITION BY RANGE` on its time column with

- `<table>_old`: FROM (MINVALUE) TO (the first month), whatever is older;
- `<table>_pYYYYMM`: one partition per month, contiguous up to a few months ahead;
- `<table>_default`: the DEFAULT partition, rows beyond the last month.

The bottom partition matters: with the range covered from MINVALUE up, a lookup
`started_at <= ? ORDER BY started_at DESC LIMIT 1` prunes the DEFAULT partition and
reads the partitions newest first (an ordered Append that stops at the first row); with
a gap below the first month the DEFAULT partition stays in and the plan becomes a Merge
Append that descends every partition's index.

Django keeps `id` as the model's primary key; in the database the primary key is
`(id, <time column>)` (a partitioned table's unique constraints must contain the
partition key). `id` stays unique in practice: it comes from one identity sequence.

Retention (ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS): a row goes when its time column is
older than the cutoff, and for sessions and port blocks also its stop (an allocation
still open, or stopped after the cutoff, still answers for that time). Partitions wholly
below the cutoff's month are detached and dropped (their surviving rows, the open
sessions, move to the recreated `_old` partition); rows older than the cutoff within
the boundary partitions, and every row on SQLite, are deleted row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Q

MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Log:
    table: str
    column: str
    # Rows at or below the cutoff that still stay (None: none stay).
    keep_sql: str | None = None

    def expired(self, cutoff: datetime) -> Q:
        q = Q(**{f"{self.column}__lt": cutoff})
        if self.keep_sql is not None:
            q &= Q(stopped_at__lt=cutoff)
        return q


LOGS = (
    Log("subscribers_session", "started_at", keep_sql="stopped_at IS NULL OR stopped_at >= %s"),
    Log("subscribers_maillogentry", "at"),
    Log("subscribers_natportblock", "started_at", keep_sql="stopped_at IS NULL OR stopped_at >= %s"),
)
_BY_TABLE = {log.table: log for log in LOGS}
_MONTH = re.compile(r"_p(\d{4})(\d{2})$")


def month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    return (month + timedelta(days=32)).replace(day=1)


def _literal(at: datetime) -> str:
    return f"'{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}+00'"


def _month_name(table: str, month: datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def name_indexes(table: str) -> None:
    """Name each partition's index after its parent index: `session_range_start_p202611`
    (PostgreSQL would call it after the partition's columns), so plans read plainly."""
    rows = _rows(
        "SELECT child.relname, parent.relname, part.relname FROM pg_inherits ii "
        "JOIN pg_class child ON child.oid = ii.inhrelid JOIN pg_class parent ON parent.oid = ii.inhparent "
        "JOIN pg_index ix ON ix.indexrelid = child.oid JOIN pg_class part ON part.oid = ix.indrelid "
        "JOIN pg_index px ON px.indexrelid = parent.oid WHERE px.indrelid = to_regclass(%s)",
        [table],
    )
    for child, parent, partition in rows:
        wanted = f"{parent}_{partition.removeprefix(table + '_')}"
        if child != wanted:
            _execute(f'ALTER INDEX "{child}" RENAME TO "{wanted}"')


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    rows = _rows("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    return bool(rows) and rows[0][0] == "p"


def partition_names(table: str) -> list[str]:
    return [
        name
        for (name,) in _rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [table],
        )
    ]


def months(table: str) -> list[datetime]:
    """The monthly partitions' first instants, oldest first."""
    found = []
    for name in partition_names(table):
        m = _MONTH.search(name)
        if m and name == _month_name(table, datetime(int(m[1]), int(m[2]), 1, tzinfo=UTC)):
            found.append(datetime(int(m[1]), int(m[2]), 1, tzinfo=UTC))
    return sorted(found)


def _create_month(table: str, column: str, month: datetime) -> None:
    """Create one monthly partition; rows of that month already in DEFAULT move into it."""
    name, default = _month_name(table, month), f"{table}_default"
    lower, upper = _literal(month), _literal(next_month(month))
    moved = 0
    if default in partition_names(table):
        # Creating the partition checks DEFAULT holds none of its rows: take them out first.
        _execute(f"DROP TABLE IF EXISTS {table}_moving")
        _execute(
            f"CREATE TEMPORARY TABLE {table}_moving ON COMMIT DROP AS SELECT * FROM {default} "
            f"WHERE {column} >= {lower} AND {column} < {upper}"
        )
        moved = _execute(f"DELETE FROM {default} WHERE {column} >= {lower} AND {column} < {upper}")
    _execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ({lower}) TO ({upper})")
    name_indexes(table)
    if moved:
        _execute(f"INSERT INTO {table} SELECT * FROM {table}_moving")


def _month_range(first: datetime, last: datetime) -> list[datetime]:
    found, month = [], first
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def ensure_months(table: str, *, now: datetime | None = None, ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the missing monthly partitions up to `ahead` months after now's month.

    Returns the names created. The months stay contiguous from the first one (a gap
    would send its rows to DEFAULT and keep DEFAULT in every lookup's plan).
    """
    log = _BY_TABLE[table]
    now = now or datetime.now(UTC)
    last = month_start(now)
    for _ in range(ahead):
        last = next_month(last)
    existing = months(table)
    month = existing[0] if existing else month_start(now)
    created = []
    with transaction.atomic():
        if any(m not in existing for m in _month_range(month, last)):
            # Writers wait (readers do not) while rows move out of DEFAULT; creating the
            # partition then takes a brief ACCESS EXCLUSIVE lock on the table.
            _execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        while month <= last:
            if month not in existing:
                _create_month(table, log.column, month)
                created.append(_month_name(table, month))
            month = next_month(month)
    return created


def lay_out(table: str, *, first: datetime, last: datetime, parent: str | None = None) -> None:
    """Create `table`'s partitions on `parent` (default: the table): `_old` below
    `first`, one per month from `first` to `last`, and DEFAULT."""
    parent = parent or table
    _execute(
        f"CREATE TABLE {table}_old PARTITION OF {parent} FOR VALUES FROM (MINVALUE) TO ({_literal(first)})"
    )
    month = first
    while month <= last:
        _execute(
            f"CREATE TABLE {_month_name(table, month)} PARTITION OF {parent} "
            f"FOR VALUES FROM ({_literal(month)}) TO ({_literal(next_month(month))})"
        )
        month = next_month(month)
    _execute(f"CREATE TABLE {table}_default PARTITION OF {parent} DEFAULT")
    if parent == table:
        name_indexes(table)


def partition_table(table: str, *, now: datetime | None = None, ahead: int = MONTHS_AHEAD) -> None:
    """Convert a plain table into a partitioned one (PostgreSQL; run by the migration).

    A new table PARTITION BY RANGE takes the old one's columns; it gets `_old` below
    the oldest row's month, a partition per month up to `ahead` months after now, and
    DEFAULT; the rows are copied month by month; the old table is dropped and the new
    one renamed; then the primary key becomes (id, column), the other constraints
    (unique ones all contain the column) and indexes are recreated from the old
    definitions under their old names, and the identity continues after the highest id.
    """
    log = _BY_TABLE[table]
    column, new = log.column, f"{table}_partitioned"
    now = now or datetime.now(UTC)
    _execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    # The old table is dropped below: no deferred foreign-key check may be pending on it.
    _execute("SET CONSTRAINTS ALL IMMEDIATE")
    constraints = _rows(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype <> 'p' ORDER BY contype, conname",
        [table],
    )
    indexes = _rows(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = to_regclass(%s) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c "
        "  WHERE c.conindid = pg_index.indexrelid AND c.conrelid = pg_index.indrelid)",
        [table],
    )
    for name, kind, definition in constraints:
        columns = re.search(r"\((.*?)\)", definition)
        if kind == "u" and column not in [c.strip() for c in columns[1].split(",")]:
            raise RuntimeError(f"{table}: unique constraint {name} does not contain {column}")
    oldest = _rows(f"SELECT min({column}) FROM {table}")[0][0]
    first = month_start(min(oldest, now) if oldest else now)
    _execute(
        f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING STORAGE) "
        f"PARTITION BY RANGE ({column})"
    )
    _execute(f"ALTER TABLE {new} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    last = month_start(now)
    for _ in range(ahead):
        last = next_month(last)
    lay_out(table, first=first, last=last, parent=new)
    month = first
    while month <= last:
        # Copied a month at a time: each INSERT fills one partition (the last also DEFAULT).
        upper = "" if month == last else f" AND {column} < {_literal(next_month(month))}"
        _execute(f"INSERT INTO {new} SELECT * FROM {table} WHERE {column} >= {_literal(month)}{upper}")
        month = next_month(month)
    next_id = _rows(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")[0][0]
    _execute(f"DROP TABLE {table}")
    _execute(f"ALTER TABLE {new} RENAME TO {table}")
    _execute(
        f"ALTER TABLE {table} ALTER COLUMN id "
        f"ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {int(next_id)})"
    )
    _execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {column})")
    for name, _kind, definition in constraints:
        _execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _name, definition in indexes:
        _execute(definition)
    name_indexes(table)


def drop_expired(table: str, *, cutoff: datetime) -> dict:
    """Remove the rows of `table` that expired at `cutoff` (see the module docstring).

    Returns {"detached": [partition names dropped], "rows": rows removed}.
    """
    from subscribers.models import MailLogEntry, NatPortBlock, Session

    log = _BY_TABLE[table]
    models = {
        "subscribers_session": Session,
        "subscribers_maillogentry": MailLogEntry,
        "subscribers_natportblock": NatPortBlock,
    }
    model = models[table]
    detached, removed = [], 0
    with transaction.atomic():
        if is_partitioned(table):
            boundary = month_start(cutoff)
            gone = [_month_name(table, m) for m in months(table) if m < boundary]
            if gone:
                # Everything below `boundary` leaves: `_old` and the months before it.
                # Writers wait, readers do not; then the list again (another upkeep may
                # have been first).
                _execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                gone = [_month_name(table, m) for m in months(table) if m < boundary]
            if gone:
                # A detached partition with deferred foreign-key checks still pending (rows
                # written earlier in the same transaction) cannot be dropped: check them now.
                _execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name in [f"{table}_old", *gone]:
                    _execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
                _execute(f"ALTER TABLE {table}_old RENAME TO {table}_old_expired")
                _execute(
                    f"CREATE TABLE {table}_old PARTITION OF {table} "
                    f"FOR VALUES FROM (MINVALUE) TO ({_literal(boundary)})"
                )
                for name in [f"{table}_old_expired", *gone]:
                    total = _rows(f"SELECT count(*) FROM {name}")[0][0]
                    kept = 0
                    if log.keep_sql is not None:
                        # Still open, or stopped after the cutoff: into the new `_old`.
                        kept = _execute(
                            f"INSERT INTO {table} SELECT * FROM {name} WHERE {log.keep_sql}", [cutoff]
                        )
                    removed += total - kept
                    _execute(f"DROP TABLE {name}")
                name_indexes(table)
                detached = gone
        # What is left below the cutoff: the boundary partitions' rows (or, on SQLite, all).
        qs = model.objects.filter(log.expired(cutoff))
        removed += qs._raw_delete(qs.db)
    return {"detached": detached, "rows": removed}


def upkeep(*, now: datetime | None = None) -> dict:
    """Partitions ahead and retention for every traffic log (the beat task's work)."""
    from django.conf import settings

    now = now or datetime.now(UTC)
    days = settings.ABUSEDESK_TRAFFIC_LOG_RETENTION_DAYS
    done = {}
    for log in LOGS:
        created = ensure_months(log.table, now=now) if is_partitioned(log.table) else []
        expired = {"detached": [], "rows": 0}
        if days:
            expired = drop_expired(log.table, cutoff=now - timedelta(days=days))
        done[log.table] = {"created": created, **expired}
    return done


# --- Bulk loads into empty partitions ---------------------------------------------------
# Row by row, maintaining a partition's indexes and checking its foreign key is most of
# what a large INSERT (or COPY) into the live table costs; built once on the loaded rows,
# the same indexes cost a fifth as much (bench/README.md). So when a bulk import brings
# many rows for a partition that holds none yet (a first load of a month, or of the
# history below the first month), the rows go into a table of their own, which gets the
# partition's indexes and constraints afterwards and then takes the empty partition's
# place. Anything else is inserted into the table as before.

SWAP_MIN_ROWS = 50_000
# The swap needs the table's ACCESS EXCLUSIVE lock for a moment. An import waits for it
# at most this long per try, less than the server's deadlock_timeout (1 s by default):
# a writer that read the table and then queued behind this import's own lock would
# otherwise be a deadlock, which this import could lose with all its work.
SWAP_LOCK_TIMEOUT_MS = 400
SWAP_LOCK_TRIES = 5
_BOUND = re.compile(r"^FOR VALUES FROM \((.+?)\) TO \((.+?)\)$")


@dataclass(frozen=True)
class LoadTarget:
    """One range partition: its name, its bound as PostgreSQL prints it, and the SQL
    condition on the time column that selects its rows."""

    name: str
    bound: str
    condition: str


def load_targets(table: str) -> list[LoadTarget]:
    """The range partitions of `table` (not DEFAULT), read from the catalog."""
    column = _BY_TABLE[table].column
    targets = []
    for name, bound in _rows(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [table],
    ):
        m = _BOUND.match(bound or "")
        if not m:
            continue  # DEFAULT
        parts = [
            f"{column} >= {m[1]}" if m[1] != "MINVALUE" else "",
            f"{column} < {m[2]}" if m[2] != "MAXVALUE" else "",
        ]
        targets.append(LoadTarget(name, bound, " AND ".join(p for p in parts if p) or "true"))
    return targets


def load_table_create(table: str, target: LoadTarget) -> str:
    """An empty table shaped like the partition (columns, defaults, CHECK constraints),
    without its indexes or foreign keys; returns its name."""
    load = f"{target.name}_load"
    _execute(f"DROP TABLE IF EXISTS {load}")
    _execute(
        f"CREATE TABLE {load} (LIKE {target.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    )
    return load


def load_table_finish(target: LoadTarget, load: str) -> None:
    """Give the loaded table the partition's bound, keys, indexes and foreign keys (each
    built or checked in one pass over the rows), and fresh planner statistics."""
    _execute(f"ALTER TABLE {load} ADD CONSTRAINT {load}_bound CHECK ({target.condition})")
    constraints = _rows(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) "
        "AND contype IN ('p', 'u', 'f') ORDER BY contype = 'f', conname",
        [target.name],
    )
    indexes = _rows(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = to_regclass(%s) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c "
        "  WHERE c.conindid = pg_index.indexrelid AND c.conrelid = pg_index.indrelid)",
        [target.name],
    )
    for n, (definition,) in enumerate(indexes):
        using = re.search(r" ON \S+ (USING .*)$", definition)
        unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
        _execute(f"CREATE {unique}INDEX {load}_i{n} ON {load} {using[1]}")
    for n, (name, kind, definition) in enumerate(constraints):
        # A key's name is its index's, which the partition still holds (name_indexes
        # renames it after the swap); a foreign key keeps its own.
        _execute(f"ALTER TABLE {load} ADD CONSTRAINT {name if kind == 'f' else f'{load}_c{n}'} {definition}")
    _execute(f"ANALYZE {load}")


def load_table_swap(table: str, target: LoadTarget, load: str) -> bool:
    """Put the loaded table in the place of the partition, if that is still empty.

    Runs inside the caller's transaction, in a savepoint: when the table's lock is not
    had within SWAP_LOCK_TRIES short waits, or the partition has rows or another bound
    by then, nothing changes and False is returned (the caller inserts the rows instead).
    """
    previous = _rows("SELECT current_setting('lock_timeout')")[0][0]
    for _ in range(SWAP_LOCK_TRIES):
        sid = transaction.savepoint()
        try:
            _execute("SELECT set_config('lock_timeout', %s, true)", [f"{SWAP_LOCK_TIMEOUT_MS}ms"])
            _execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            _execute("SELECT set_config('lock_timeout', %s, true)", [previous])
        except DatabaseError:
            transaction.savepoint_rollback(sid)
            continue
        try:
            now = [t for t in load_targets(table) if t.name == target.name]
            empty = _rows(f"SELECT NOT EXISTS (SELECT 1 FROM {target.name})")[0][0] if now else False
            if not now or now[0].bound != target.bound or not empty:
                transaction.savepoint_rollback(sid)
                return False
            _execute(f"ALTER TABLE {table} DETACH PARTITION {target.name}")
            _execute(f"DROP TABLE {target.name}")
            _execute(f"ALTER TABLE {load} RENAME TO {target.name}")
            _execute(f"ALTER TABLE {table} ATTACH PARTITION {target.name} {target.bound}")
            _execute(f"ALTER TABLE {target.name} DROP CONSTRAINT {load}_bound")
            name_indexes(table)
        except DatabaseError:
            transaction.savepoint_rollback(sid)
            return False
        transaction.savepoint_commit(sid)
        return True
    return False


def insert_partitioned(
    table: str, columns: list[str], select_sql: str, params=(), *, conflict: str = "", order_by: str = ""
) -> int:
    """INSERT INTO table (columns) SELECT … FROM (select_sql), returning the rows written.

    `select_sql` yields the columns under their names (no `id`: it comes from the
    table's identity). Runs inside the caller's transaction; see the section comment
    for the partitions that are built apart and swapped in. `conflict` is the INSERT's
    ON CONFLICT clause, for the rows inserted; `order_by` (columns of `select_sql`'s
    rows, as bulk_rows.column) the order they are inserted in, so their ids follow it.
    The count per partition leaves the order out: it would sort every row to count them.
    """
    names = ", ".join(columns)
    counted = f"SELECT {names} FROM ({select_sql}) AS bulk_rows"
    source = f"{counted} ORDER BY {order_by}" if order_by else counted
    built: list[LoadTarget] = []
    written = 0
    if is_partitioned(table):
        targets = load_targets(table)
        if targets:
            sequence = _rows("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
            cases = " ".join(f"WHEN {t.condition} THEN {n}" for n, t in enumerate(targets))
            counts = dict(
                _rows(f"SELECT CASE {cases} ELSE -1 END, count(*) FROM ({counted}) AS b GROUP BY 1", params)
            )
            for n, target in enumerate(targets):
                if counts.get(n, 0) < SWAP_MIN_ROWS:
                    continue
                if _rows(f"SELECT EXISTS (SELECT 1 FROM {target.name})")[0][0]:
                    continue
                load = load_table_create(table, target)
                loaded = _execute(
                    f"INSERT INTO {load} (id, {names}) SELECT nextval(%s::regclass), "
                    f"{names} FROM ({source}) AS b WHERE {target.condition}",
                    [sequence, *params],
                )
                sid = transaction.savepoint()
                try:
                    load_table_finish(target, load)
                except DatabaseError:
                    transaction.savepoint_rollback(sid)
                    swapped = False
                else:
                    transaction.savepoint_commit(sid)
                    swapped = load_table_swap(table, target, load)
                if not swapped:
                    # Rows that could not be swapped in (a key the partition refuses, the
                    # lock not had): inserted with the rest's rules.
                    loaded = _execute(
                        f"INSERT INTO {table} (id, {names}) SELECT id, {names} FROM {load} {conflict}"
                    )
                    _execute(f"DROP TABLE {load}")
                written += loaded
                built.append(target)
            if sum(counts.values()) == sum(counts.get(targets.index(t), 0) for t in built):
                return written
    rest = " AND ".join(f"NOT ({t.condition})" for t in built) or "true"
    written += _execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM ({source}) AS b WHERE {rest} {conflict}", params
    )
    return written
