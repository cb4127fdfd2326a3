"""Set-based session import for PostgreSQL: stage with COPY, decide in SQL, insert at once.

The per-row service (sessions.session_record) asks two overlap queries per row, about
2.5 ms a row: right for a daily RADIUS file, most of a day for a first load of ten
million rows. Here the rows of a whole file are staged in a temporary table with
COPY, and one pass of SQL decides for each of them what session_record would:

- rejected: unknown account, not a connection account, or the line's own error;
- insert: it overlaps nothing, neither another line of the file nor a stored session;
- unchanged / update: the same account's session with the same start is stored, and
  nothing else overlaps (update when the line brings a different stop);
- row: anything else (overlaps, implicit closing of an open session, duplicates in
  the file), which is handed to session_record one line at a time, in file order, so
  those rules live in one place only.

Lines of the first kinds never overlap the others, so doing them first gives the same
result as the file read line by line. The session table is locked against other
writers (not readers) while the file's rows are decided and written, so two imports
cannot both insert overlapping sessions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, connection, transaction

from subscribers.partitions import insert_partitioned

STAGE = "subscribers_session_stage"
DECIDED = "subscribers_session_decided"

# Errors found while reading a line, by when session_record would have raised them:
# time errors come before the account-kind check, the others after it.
ERROR_BEFORE_KIND = 1
ERROR_AFTER_KIND = 2
ERROR_LINE = 3  # the line itself is unreadable (wrong number of fields): nothing else is asked
# The SQL below spells these names and numbers out, so that it is plain text.


@dataclass(frozen=True)
class StagedSession:
    line: int
    account_id: str
    start_key: str = ""
    prefix_len: int = 0
    address: str = ""
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    error_rank: int = 0
    error: str = ""


@dataclass(frozen=True)
class Decided:
    """What the set-based pass did: lines per route (insert, unchanged, update, row)."""

    counts: dict[str, int]


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


_DECIDE = """
            CREATE TEMPORARY TABLE subscribers_session_decided AS
            WITH lines AS (
                SELECT s.*, a.id AS account_pk, a.kind AS account_kind, a.account_id AS account_name,
                       (a.id IS NOT NULL AND a.kind = 'connection' AND s.error_rank = 0) AS valid
                FROM subscribers_session_stage s
                LEFT JOIN subscribers_account a ON a.account_id = s.account_text
            ),
            ordered AS (
                SELECT l.*,
                    max(coalesce(stopped_at, 'infinity')) OVER (
                        PARTITION BY start_key, prefix_len ORDER BY started_at, line
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_stop,
                    lead(started_at) OVER (
                        PARTITION BY start_key, prefix_len ORDER BY started_at, line) AS next_start
                FROM lines l WHERE valid
            ),
            checked AS (
                SELECT o.*,
                    (coalesce(o.earlier_stop, '-infinity') > o.started_at
                     OR coalesce(o.next_start, 'infinity') < coalesce(o.stopped_at, 'infinity')
                     OR coalesce(o.stopped_at, 'infinity') <= o.started_at) AS in_file,
                    -- stored: begin
                    exact.stopped_at AS exact_stop, exact.id AS exact_id,
                    (EXISTS (
                        SELECT 1 FROM subscribers_session e
                        WHERE e.ip_start_key = o.start_key AND e.prefix_len = o.prefix_len
                          AND e.started_at >= o.started_at
                          AND e.started_at < coalesce(o.stopped_at, 'infinity')
                          AND NOT (e.account_id = o.account_pk AND e.started_at = o.started_at))
                     OR coalesce((
                        SELECT coalesce(e.stopped_at, 'infinity') > o.started_at FROM subscribers_session e
                        WHERE e.ip_start_key = o.start_key AND e.prefix_len = o.prefix_len
                          AND e.started_at < o.started_at
                        ORDER BY e.started_at DESC LIMIT 1), false)) AS stored_overlap
                FROM ordered o
                LEFT JOIN subscribers_session exact
                  ON exact.account_id = o.account_pk AND exact.ip_start_key = o.start_key
                 AND exact.prefix_len = o.prefix_len AND exact.started_at = o.started_at
                -- stored: end
            )
            SELECT line, account_pk, start_key, prefix_len, address, started_at, stopped_at, exact_id,
                CASE
                    WHEN in_file OR stored_overlap THEN 'row'
                    WHEN exact_id IS NULL THEN 'insert'
                    WHEN stopped_at IS NOT NULL AND stopped_at IS DISTINCT FROM exact_stop THEN 'update'
                    ELSE 'unchanged'
                END AS route,
                NULL::text AS message
            FROM checked
            UNION ALL
            SELECT line, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'rejected',
                CASE
                    WHEN error_rank = 3 THEN error
                    WHEN account_pk IS NULL THEN format('unknown account_id %%L', account_text)
                    WHEN error_rank = 1 THEN error
                    WHEN account_kind <> 'connection'
                        THEN format('account %%s is a %%s account, not a connection account',
                                    account_name, account_kind)
                    ELSE error
                END
            FROM lines WHERE NOT valid
            """
_STORED = re.compile(r"-- stored: begin\n(.*?)-- stored: end\n", re.S)


def _stored_within_reach() -> bool:
    """Whether any stored session starts before the file's last stop and ends at or after
    its first start: only those can overlap a line or be its exact match."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM subscribers_session e, (SELECT min(started_at) AS first, "
            "max(coalesce(stopped_at, 'infinity')) AS last FROM subscribers_session_stage) f "
            "WHERE e.started_at < f.last AND coalesce(e.stopped_at, 'infinity') >= f.first)"
        )
        return cursor.fetchone()[0]


def _decide_sql(*, stored: bool) -> str:
    """The deciding statement; with nothing stored within reach (a first load: history
    below what is stored, a month not loaded yet), without the two probes and the exact
    match per line, which at 2 M lines were most of its time."""
    if stored:
        return _STORED.sub(lambda m: m[1], _DECIDE)
    return _STORED.sub(
        "NULL::timestamptz AS exact_stop, NULL::bigint AS exact_id, false AS stored_overlap\n"
        "                FROM ordered o\n",
        _DECIDE,
    )


_STAGE_TYPES = ["int4", "text", "varchar", "int2", "text", "timestamptz", "timestamptz", "int2", "text"]


def sessions_stage(rows: Iterable[StagedSession]) -> int:
    """Create the staging table for this connection and COPY the rows into it."""
    _execute("DROP TABLE IF EXISTS subscribers_session_stage, subscribers_session_decided")
    _execute(
        "CREATE TEMPORARY TABLE subscribers_session_stage (line integer NOT NULL, "
        "account_text text NOT NULL, start_key varchar(32), prefix_len smallint, address text, "
        "started_at timestamptz, stopped_at timestamptz, error_rank smallint NOT NULL, error text NOT NULL)"
    )
    staged = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY subscribers_session_stage (line, account_text, start_key, prefix_len, address, "
            "started_at, stopped_at, error_rank, error) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            # Binary: an instant goes as its microseconds, not as text for the server to parse.
            copy.set_types(_STAGE_TYPES)
            for row in rows:
                copy.write_row(
                    (
                        row.line,
                        row.account_id,
                        row.start_key or None,
                        row.prefix_len or None,
                        row.address or None,
                        row.started_at,
                        row.stopped_at,
                        row.error_rank,
                        row.error,
                    )
                )
                staged += 1
    return staged


def sessions_decide(*, source: str) -> Decided:
    """Decide every staged line and write the set-based ones; see the module docstring.

    Runs in one transaction holding a SHARE ROW EXCLUSIVE lock on the session table.
    """
    with transaction.atomic():
        _execute("LOCK TABLE subscribers_session IN SHARE ROW EXCLUSIVE MODE")
        _execute(_decide_sql(stored=_stored_within_reach()))
        # A first load of a month (or of the history below the first month) is built
        # apart and swapped in (partitions.insert_partitioned).
        insert_partitioned(
            "subscribers_session",
            ["account_id", "ip_start_key", "prefix_len", "address", "started_at", "stopped_at", "source",
             "radius_session_id"],
            "SELECT account_pk AS account_id, start_key AS ip_start_key, prefix_len, address, started_at, "
            "stopped_at, %s AS source, '' AS radius_session_id FROM subscribers_session_decided "
            "WHERE route = 'insert'",
            [source],
        )  # fmt: skip
        _execute(
            "UPDATE subscribers_session s SET stopped_at = d.stopped_at FROM subscribers_session_decided d "
            "WHERE d.route = 'update' AND s.id = d.exact_id"
        )
        _execute(
            "INSERT INTO subscribers_sessionprefixlength (prefix_len) SELECT DISTINCT prefix_len "
            "FROM subscribers_session_decided WHERE route = 'insert' ON CONFLICT (prefix_len) DO NOTHING"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT route, count(*) FROM subscribers_session_decided WHERE route <> 'rejected' GROUP BY route"
        )
        counts = dict(cursor.fetchall())
    return Decided(counts=counts)


def sessions_rejected() -> Iterator[tuple[int, str]]:
    """(line, reason) of the rejected lines, in file order, read in chunks."""
    yield from _chunks("SELECT line, message FROM subscribers_session_decided WHERE route = 'rejected'")


def sessions_one_by_one() -> Iterator[tuple[int, int, str, datetime, datetime | None]]:
    """(line, account pk, address, start, stop) of the lines left for session_record, in file order."""
    yield from _chunks(
        "SELECT d.line, d.account_pk, s.address, d.started_at, d.stopped_at "
        "FROM subscribers_session_decided d JOIN subscribers_session_stage s ON s.line = d.line "
        "WHERE d.route = 'row'",
        key="d.line",
    )


def _chunks(query: str, *, key: str = "line", size: int = 5000) -> Iterator[tuple]:
    # Keyset pagination on the line number: memory stays flat and no cursor is held
    # open across the transactions the caller runs in between.
    after = 0
    while True:
        with connection.cursor() as cursor:
            joiner = "AND" if " WHERE " in query else "WHERE"
            cursor.execute(f"{query} {joiner} {key} > %s ORDER BY {key} LIMIT %s", [after, size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def sessions_unstage() -> None:
    """Drop the staging tables; after a failure inside the transaction they go with it."""
    try:
        _execute("DROP TABLE IF EXISTS subscribers_session_stage, subscribers_session_decided")
    except DatabaseError:
        pass  # the transaction failed: the error that made it fail is the one to report
