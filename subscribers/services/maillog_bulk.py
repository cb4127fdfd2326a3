"""Set-based mail-log import for PostgreSQL: stage entries with COPY, write them in SQL.

maillog_bulk_record writes a batch of 1,000 with a lookup query, a bulk insert and
an UPDATE per late message-id. Here the importer stages every entry of a file in a
temporary table with COPY (in the order it would have written them), and one pass of
SQL gives each the outcome maillog_bulk_record would have:

- created: the first occurrence of an event (kind, host, time, login, client, queue id,
  recipient) that is not stored yet; it is stored with the first message-id any occurrence brings;
- updated: the first occurrence that brings a message-id to an event that had none;
- unchanged: everything else.

A cleanup line that arrives after its submission was pushed out of the importer's
window is staged too, and applied after the inserts exactly like
maillog_attach_message_id: to a submission of that host and queue id, from the hour
before, that has no message-id yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import DatabaseError, connection, transaction

from subscribers.partitions import insert_partitioned
from subscribers.services.maillog import MailLogRow

_COLUMNS = (
    "kind, service, login, client_ip, client_key, at, queue_id, message_id, host, "
    "recipient, outcome, unknown_recipient, raw_line"
)


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def maillog_stage_open() -> None:
    maillog_stage_close()
    _execute(
        "CREATE TEMPORARY TABLE subscribers_maillog_stage (seq bigint PRIMARY KEY, kind varchar(16), "
        "service varchar(8), login varchar(255), client_ip varchar(45), client_key varchar(32), "
        "at timestamptz, queue_id varchar(32), message_id varchar(998), host varchar(255), "
        "recipient varchar(320), outcome varchar(16), unknown_recipient boolean, raw_line text)"
    )
    _execute(
        "CREATE TEMPORARY TABLE subscribers_maillog_late (host varchar(255), queue_id varchar(32), "
        "message_id varchar(998), at timestamptz)"
    )


_STAGE_TYPES = ["int8"] + ["varchar"] * 5 + ["timestamptz"] + ["varchar"] * 5 + ["bool", "text"]


def maillog_stage_add(*, entries: Iterable[MailLogRow], first_seq: int) -> int:
    """COPY validated entries (maillog_row_build) into the stage; returns how many."""
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY subscribers_maillog_stage (seq, {_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            # Binary: an instant goes as its microseconds, not as text for the server to parse.
            copy.set_types(_STAGE_TYPES)
            for entry in entries:
                copy.write_row(
                    (
                        first_seq + count,
                        entry.kind,
                        entry.service,
                        entry.login,
                        entry.client_ip,
                        entry.client_key,
                        entry.at,
                        entry.queue_id,
                        entry.message_id,
                        entry.host,
                        entry.recipient,
                        entry.outcome,
                        entry.unknown_recipient,
                        entry.raw_line,
                    )
                )
                count += 1
    return count


def maillog_stage_late(*, host: str, queue_id: str, message_id: str, at: datetime) -> None:
    """A message-id for a submission staged (or stored) earlier; applied after the inserts."""
    _execute(
        "INSERT INTO subscribers_maillog_late (host, queue_id, message_id, at) VALUES (%s, %s, %s, %s)",
        [host, queue_id, message_id, at],
    )


_EVENT = "s.at, s.kind, s.host, s.login, s.client_key, s.queue_id, s.recipient"
# Every staged entry's decision, in one sort of the stage by event and line: the first
# occurrence of an event creates it (unless stored), the first to bring a message-id to
# an event that has none updates it, and the entry is written with the first message-id
# any occurrence brings. A first load (no stored entry within the file's span) leaves
# out the join with the stored entries: it could find none.
_DECIDE = f"""
    CREATE TEMPORARY TABLE subscribers_maillog_decided AS
    SELECT s.seq, {{existing_id}} AS existing_id,
        CASE WHEN {{existing_id}} IS NULL AND row_number() OVER event = 1 THEN 'created'
             WHEN s.message_id <> '' AND coalesce({{existing_message_id}}, '') = ''
                  AND NOT coalesce(bool_or(s.message_id <> '') OVER earlier, false) THEN 'updated'
             ELSE 'unchanged' END AS decision,
        coalesce((array_agg(s.message_id) FILTER (WHERE s.message_id <> '') OVER whole)[1], '')
            AS first_message_id
    FROM subscribers_maillog_stage s
    {{join}}
    WINDOW event AS (PARTITION BY {_EVENT} ORDER BY s.seq),
        earlier AS (event ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
        whole AS (event ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
"""  # noqa: S608 (constants only)
_JOIN_STORED = """
    LEFT JOIN subscribers_maillogentry e
      ON e.kind = s.kind AND e.host = s.host AND e.at = s.at AND e.login = s.login
     AND e.client_key = s.client_key AND e.queue_id = s.queue_id AND e.recipient = s.recipient
"""


def decide_sql(*, stored: bool) -> str:
    if stored:
        return _DECIDE.format(existing_id="e.id", existing_message_id="e.message_id", join=_JOIN_STORED)
    return _DECIDE.format(existing_id="NULL::bigint", existing_message_id="NULL::text", join="")


def _stored_within(span: tuple[datetime, datetime] | None) -> bool:
    if span is None:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM subscribers_maillogentry WHERE at >= %s AND at < %s)", list(span)
        )
        return cursor.fetchone()[0]


def maillog_stage_apply(*, span: tuple[datetime, datetime] | None = None) -> dict[str, int]:
    """Write the staged entries; returns how many were created, updated and unchanged.

    `span`: instants every staged entry lies within (from, until), if known; with no
    stored entry in it the decision need not look at stored entries."""
    with transaction.atomic():
        # A temporary table is never analyzed by autovacuum: without figures the planner
        # takes a million staged rows for a few thousand.
        _execute("ANALYZE subscribers_maillog_stage")
        _execute(decide_sql(stored=_stored_within(span)))
        _execute("ANALYZE subscribers_maillog_decided")
        # ON CONFLICT: a concurrent import of the same file must not abort this one.
        # A first load of a month (or of the history below the first month) is built
        # apart and swapped in (partitions.insert_partitioned).
        insert_partitioned(
            "subscribers_maillogentry",
            ["kind", "service", "login", "client_ip", "client_key", "at", "queue_id", "message_id", "host",
             "recipient", "outcome", "unknown_recipient", "raw_line"],
            """
            SELECT s.kind, s.service, s.login, s.client_ip, s.client_key, s.at, s.queue_id,
                   d.first_message_id AS message_id, s.host, s.recipient, s.outcome, s.unknown_recipient,
                   s.raw_line, s.seq
            FROM subscribers_maillog_decided d JOIN subscribers_maillog_stage s USING (seq)
            WHERE d.decision = 'created'
            """,
            conflict="ON CONFLICT ON CONSTRAINT maillog_unique_event DO NOTHING",
            order_by="bulk_rows.seq",
        )  # fmt: skip
        _execute(
            "UPDATE subscribers_maillogentry e SET message_id = d.first_message_id "
            "FROM subscribers_maillog_decided d WHERE d.decision = 'updated' AND e.id = d.existing_id"
        )
        _execute(
            """
            UPDATE subscribers_maillogentry e SET message_id = l.message_id FROM subscribers_maillog_late l
            WHERE e.kind = 'submission' AND e.message_id = '' AND e.queue_id = l.queue_id AND e.host = l.host
              AND e.at BETWEEN l.at - interval '1 hour' AND l.at
            """
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT decision, count(*) FROM subscribers_maillog_decided GROUP BY decision")
        counts = dict(cursor.fetchall())
    if counts.get("created"):
        # Fresh figures for the planner after a bulk load, before the volume detection
        # reads the new hours (autovacuum would get there minutes later; until then the
        # detection's plans took the new rows for a handful and ran twice as long).
        _execute("ANALYZE subscribers_maillogentry")
    return counts


def maillog_stage_close() -> None:
    """Drop the staging tables; after a failure inside the transaction they go with it."""
    try:
        _execute(
            "DROP TABLE IF EXISTS subscribers_maillog_stage, subscribers_maillog_late, "
            "subscribers_maillog_decided"
        )
    except DatabaseError:
        pass  # the transaction failed: the error that made it fail is the one to report
