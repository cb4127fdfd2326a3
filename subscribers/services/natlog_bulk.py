"""Set-based NAT port-block import for PostgreSQL: stage with COPY, decide in SQL.

The per-row service (natlog.nat_block_record) asks several queries per line. Here the
lines of a whole CSV file are staged in a temporary table with COPY and one pass of
SQL decides, for each line, what nat_block_record would do when the answer is plain:

- insert: a valid line (known connection account, an address in a shared block without
  a MAP-E rule) whose allocation overlaps nothing: no stored allocation on those ports
  at that time, no other line of the file on them then, and the file's port ranges on
  that address do not cut across each other;
- unchanged: the same allocation is stored (same account, same ports) and the line
  brings no different stop;
- row: everything else (errors, overlaps, a new stop, an implicit close), handed to
  nat_block_record one line at a time in file order, so those rules and their messages
  live in one place only.

Lines of the first two kinds overlap nothing the others touch, so doing them first
gives the same result as reading the file line by line. The table is locked against
other writers (not readers) while the file's rows are decided and written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, connection, transaction

from subscribers.partitions import insert_partitioned


@dataclass(frozen=True)
class StagedBlock:
    line: int
    clean: bool  # read without error: the SQL may decide it; otherwise it goes to the row path
    address: str = ""
    address_key: str = ""
    port_start: int = 0
    port_end: int = 0
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    account_id: str = ""


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def nat_stage(rows: Iterable[StagedBlock]) -> int:
    _execute("DROP TABLE IF EXISTS subscribers_nat_stage, subscribers_nat_decided")
    _execute(
        "CREATE TEMPORARY TABLE subscribers_nat_stage (line integer NOT NULL, clean boolean NOT NULL, "
        "address text, address_key varchar(32), port_start integer, port_end integer, "
        "started_at timestamptz, stopped_at timestamptz, account_text text)"
    )
    staged = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY subscribers_nat_stage (line, clean, address, address_key, port_start, port_end, "
            "started_at, stopped_at, account_text) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.line,
                        row.clean,
                        row.address or None,
                        row.address_key or None,
                        row.port_start if row.clean else None,
                        row.port_end if row.clean else None,
                        row.started_at,
                        row.stopped_at,
                        row.account_id,
                    )
                )
                staged += 1
    return staged


def nat_decide(*, source: str) -> dict[str, int]:
    """Decide every staged line and insert the set-based ones; counts per route."""
    with transaction.atomic():
        _execute("LOCK TABLE subscribers_natportblock IN SHARE ROW EXCLUSIVE MODE")
        _execute(
            """
            CREATE TEMPORARY TABLE subscribers_nat_decided AS
            WITH biggest AS (
                SELECT greatest(
                    (SELECT coalesce(max(size), 0) FROM subscribers_natportblocksize),
                    (SELECT coalesce(max(port_end - port_start + 1), 0)
                     FROM subscribers_nat_stage WHERE clean)
                ) AS size
            ),
            lines AS (
                SELECT s.*, a.id AS account_pk
                FROM subscribers_nat_stage s
                JOIN subscribers_account a ON a.account_id = s.account_text AND a.kind = 'connection'
                JOIN LATERAL (
                    SELECT b.kind, b.map_rule_ipv6 FROM subscribers_addressblock b
                    WHERE b.start_key <= s.address_key AND b.end_key >= s.address_key
                    ORDER BY b.prefix_len DESC LIMIT 1
                ) blk ON blk.kind = 'shared' AND blk.map_rule_ipv6 = ''
                WHERE s.clean
            ),
            ranges AS (
                -- The file's port ranges on one address must not cut across each other.
                -- (Two ends for one start make the second's previous end reach its start.)
                SELECT address_key, coalesce(bool_or(prev_end >= port_start), false) AS crossed
                FROM (
                    SELECT address_key, port_start, port_end,
                           lag(port_end) OVER (
                               PARTITION BY address_key ORDER BY port_start, port_end) AS prev_end
                    FROM (SELECT DISTINCT address_key, port_start, port_end FROM lines) d
                ) r
                GROUP BY address_key
            ),
            ordered AS (
                SELECT l.*,
                    max(coalesce(stopped_at, 'infinity')) OVER (
                        PARTITION BY address_key, port_start ORDER BY started_at, line
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_stop,
                    lead(started_at) OVER (
                        PARTITION BY address_key, port_start ORDER BY started_at, line) AS next_start
                FROM lines l
            ),
            checked AS (
                SELECT o.*,
                    (coalesce(o.earlier_stop, '-infinity') > o.started_at
                     OR coalesce(o.next_start, 'infinity') < coalesce(o.stopped_at, 'infinity')
                     OR r.crossed) AS in_file,
                    exact.id AS exact_id, exact.account_id AS exact_account, exact.port_end AS exact_end,
                    exact.stopped_at AS exact_stop,
                    EXISTS (
                        SELECT 1 FROM subscribers_natportblock e, biggest
                        WHERE e.address_key = o.address_key
                          AND e.port_start > o.port_start - biggest.size AND e.port_start <= o.port_end
                          AND e.port_end >= o.port_start
                          AND e.started_at < coalesce(o.stopped_at, 'infinity')
                          AND coalesce(e.stopped_at, 'infinity') > o.started_at
                          AND NOT (e.port_start = o.port_start AND e.started_at = o.started_at)
                    ) AS stored_overlap
                FROM ordered o
                JOIN ranges r ON r.address_key = o.address_key
                LEFT JOIN subscribers_natportblock exact
                  ON exact.address_key = o.address_key AND exact.port_start = o.port_start
                 AND exact.started_at = o.started_at
            )
            SELECT line, account_pk, address, address_key, port_start, port_end, started_at, stopped_at,
                CASE
                    WHEN in_file OR stored_overlap THEN 'row'
                    WHEN exact_id IS NULL THEN 'insert'
                    WHEN exact_account = account_pk AND exact_end = port_end
                         AND (stopped_at IS NULL OR stopped_at = exact_stop) THEN 'unchanged'
                    ELSE 'row'
                END AS route
            FROM checked
            UNION ALL
            SELECT s.line, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'row'
            FROM subscribers_nat_stage s
            WHERE NOT EXISTS (SELECT 1 FROM lines l WHERE l.line = s.line)
            """
        )
        # A first load of a month (or of the history below the first month) is built
        # apart and swapped in (partitions.insert_partitioned).
        insert_partitioned(
            "subscribers_natportblock",
            ["address", "address_key", "port_start", "port_end", "started_at", "stopped_at", "account_id",
             "inside_address", "source"],
            "SELECT address, address_key, port_start, port_end, started_at, stopped_at, "
            "account_pk AS account_id, '' AS inside_address, %s AS source FROM subscribers_nat_decided "
            "WHERE route = 'insert'",
            [source],
        )  # fmt: skip
        _execute(
            "INSERT INTO subscribers_natportblocksize (size) SELECT DISTINCT port_end - port_start + 1 "
            "FROM subscribers_nat_decided WHERE route = 'insert' ON CONFLICT (size) DO NOTHING"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT route, count(*) FROM subscribers_nat_decided WHERE route <> 'row' GROUP BY route"
        )
        return dict(cursor.fetchall())


def nat_row_lines() -> Iterator[int]:
    """Line numbers left for the per-row path, in file order, read in chunks."""
    after = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT line FROM subscribers_nat_decided WHERE route = 'row' AND line > %s "
                "ORDER BY line LIMIT 5000",
                [after],
            )
            lines = [r[0] for r in cursor.fetchall()]
        if not lines:
            return
        yield from lines
        after = lines[-1]


def nat_unstage() -> None:
    try:
        _execute("DROP TABLE IF EXISTS subscribers_nat_stage, subscribers_nat_decided")
    except DatabaseError:
        pass  # the transaction failed: the error that made it fail is the one to report
