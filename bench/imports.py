"""Workload 2: bulk imports against PostgreSQL COPY of the same bytes or rows.

- import_mailbox on an mbox of BENCH_MBOX_MESSAGES (100,000) ~3 KB messages, vs COPY
  of the same messages' bytes into a table of one bytea column.
- import_sessions (CSV) and import_maillog on files of BENCH_SESSION_LINES and
  BENCH_MAILLOG_LINES (10,000,000) lines, vs COPY of the rows those files become into
  the same tables (with their indexes and constraints), and the peak RSS of the
  import at BENCH_SMALL_LINES (10,000) lines against the big file.

An import still running at its deadline (BENCH_MAILBOX_DEADLINE, 120 s, for the mbox;
BENCH_IMPORT_DEADLINE, 2400 s, for the logs) is stopped, and its rate is what it
stored in that time (marked "partial"). Each import runs in a process of its
own (bench/import_child.py) so its peak RSS is its own. The session table is left
holding the big file's rows for the lookup workload (bench/lookups.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datagen  # noqa: E402
from bench.common import (  # noqa: E402
    BENCH,
    BROKER_URL,
    DB_PREFIX,
    ROOT,
    db_migrated,
    db_url,
    django_env,
    emit,
    loadavg,
    run_manage,
    say,
    size,
)

MBOX_MESSAGES = size("mbox_messages", 100_000, 40)
SESSION_LINES = size("session_lines", 10_000_000, 3_000)
MAILLOG_LINES = size("maillog_lines", 10_000_000, 3_000)
SMALL_LINES = size("small_lines", 10_000, 1_000)
# The mbox import stores in batches and queues the processing (purged here); the log
# imports are set-based on PostgreSQL and must run to the end to give a figure, so
# their deadline is long.
MAILBOX_DEADLINE = size("mailbox_deadline", 120, 30)
DEADLINE = size("import_deadline", 2400, 120)
# Which imports, in order (BENCH_IMPORTS=sessions,maillog runs those two only;
# BENCH_IMPORTS=mailbox the mbox alone).
PARTS = [p for p in os.environ.get("BENCH_IMPORTS", "mailbox,maillog,sessions").split(",") if p]
DB = "imports"
QUEUE = f"{DB_PREFIX}_imports"


def connect():
    import psycopg

    return psycopg.connect(db_url(DB), autocommit=True)


def scalar(query: str, params=()) -> int:
    with connect() as conn:
        return conn.execute(query, params).fetchone()[0]


def run_import(command: str, *args: str, deadline: float = DEADLINE) -> dict:
    env = django_env(db_url(DB), CELERY_BROKER_URL=BROKER_URL, CELERY_TASK_DEFAULT_QUEUE=QUEUE)
    out = subprocess.run(
        [sys.executable, str(BENCH / "import_child.py"), str(deadline), command, *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{command} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def copy_first_load(table: str, columns: str, path: Path) -> tuple[float, str]:
    """COPY of a first load, the way PostgreSQL loads fastest (bench/copy_child.py)."""
    env = django_env(db_url(DB), CELERY_BROKER_URL=BROKER_URL)
    out = subprocess.run(
        [sys.executable, str(BENCH / "copy_child.py"), table, columns, str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"COPY reference failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    done = json.loads(out.stdout.strip().splitlines()[-1])
    return done["seconds"], done["how"]


ACCOUNT_SETUP = """
from subscribers.services import account_upsert, subscriber_upsert
subscriber_upsert(subscriber_id="BENCH", name="bench", email="")
account_upsert(account_id="BC-000000", subscriber_id="BENCH", kind="connection", identifier="bc0@bench")
"""


def prepare() -> None:
    url = db_migrated(DB)
    # One subscriber and account made by the services (every column a migration adds gets
    # its real value), then the other accounts copied from that row in SQL.
    run_manage(url, "shell", "-c", ACCOUNT_SETUP)
    with connect() as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'subscribers_account' "
                "AND column_name <> 'id' ORDER BY ordinal_position"
            )
        ]
        varied = {"account_id": "'BC-' || lpad(g::text, 6, '0')", "identifier": "'bc' || g || '@bench'"}
        names = ", ".join(f'"{c}"' for c in columns)
        select = ", ".join(varied.get(c, f't."{c}"') for c in columns)
        conn.execute(
            f"INSERT INTO subscribers_account ({names}) "
            f"SELECT {select} FROM generate_series(1, %s) g, subscribers_account t WHERE t.account_id = 'BC-000000'",
            [datagen.ACCOUNTS - 1],
        )


def purge_queue() -> None:
    from bench.intake import purge_queue_named

    purge_queue_named(QUEUE)


def mailbox() -> None:
    path = datagen.mbox(MBOX_MESSAGES)
    with connect() as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy_mbox")
        conn.execute("CREATE TABLE bench_copy_mbox (id bigserial PRIMARY KEY, raw bytea NOT NULL)")
    import mailbox as mb

    load = loadavg()
    # The same reading the importer does (mailbox.mbox), then COPY of each message's bytes.
    box = mb.mbox(str(path), factory=None, create=False)
    with connect() as conn:
        conn.execute("TRUNCATE bench_copy_mbox")
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY bench_copy_mbox (raw) FROM STDIN") as copy:
            for key in box.iterkeys():
                copy.write_row((box.get_bytes(key),))
        copy_seconds = time.perf_counter() - t0
    before = scalar("SELECT count(*) FROM complaints_report")
    run = run_import("import_mailbox", str(path), "--no-ack", deadline=MAILBOX_DEADLINE)
    purge_queue()
    stored = scalar("SELECT count(*) FROM complaints_report") - before
    rate = stored / run["seconds"]
    copy_rate = MBOX_MESSAGES / copy_seconds
    say(
        f"  import_mailbox {stored}/{MBOX_MESSAGES} messages in {run['seconds']:.1f} s = {rate:,.0f} msg/s; "
        f"COPY {copy_rate:,.0f} msg/s; RSS {run['maxrss_kb'] / 1024:.0f} MiB"
        f"{' (stopped at the deadline)' if run['stopped_at_deadline'] else ''}"
    )
    emit(
        "imports", "import_mailbox", rate=rate, copy_rate=copy_rate, ratio=rate / copy_rate, unit="msg/s",
        lines=MBOX_MESSAGES, done=stored, partial=run["stopped_at_deadline"], rss_mib=run["maxrss_kb"] / 1024,
        load=load,
    )  # fmt: skip


SESSION_COLUMNS = (
    "account_id, ip_start_key, prefix_len, address, started_at, stopped_at, source, radius_session_id"
)
MAILLOG_COLUMNS = (
    "kind, service, login, client_ip, client_key, at, queue_id, message_id, host, recipient, outcome, "
    "unknown_recipient, raw_line"
)


def _copy_sessions(rows: Path) -> float:
    """COPY the session rows (account numbers mapped to their ids) straight into the table."""
    with connect() as conn:
        conn.execute("DROP TABLE IF EXISTS bench_account_map")
        conn.execute(
            "CREATE TABLE bench_account_map AS SELECT substr(account_id, 4)::int AS n, id FROM subscribers_account "
            "WHERE account_id LIKE 'BC-%%'"
        )
    # The file holds account numbers; a view of the real table takes them in COPY's
    # single pass would need a trigger, so the ids are substituted while streaming.
    with connect() as conn:
        ids = dict(conn.execute("SELECT n, id FROM bench_account_map").fetchall())
    # Accounts are made in one statement, so their ids run on from the first one: the
    # converted file is valid for every database whose first account id is the same.
    tmp = rows.with_suffix(f".ids-{min(ids.values())}.tsv")
    if not tmp.exists():
        with open(rows) as source, open(tmp.with_suffix(".part"), "w") as out:
            for line in source:
                n, rest = line.split("\t", 1)
                out.write(f"{ids[int(n)]}\t{rest[:-1]}\tcsv\t\n")
        tmp.with_suffix(".part").rename(tmp)
    return copy_first_load("subscribers_session", SESSION_COLUMNS, tmp)


def sessions() -> None:
    path, rows = datagen.sessions(SESSION_LINES)
    small, _ = datagen.sessions(SMALL_LINES)
    expected = sum(1 for _ in open(rows))
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_session")
    small_run = run_import("import_sessions", str(small))
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_session")
    load = loadavg()
    run = run_import("import_sessions", str(path))
    stored = scalar("SELECT count(*) FROM subscribers_session")
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_session")
    copy_seconds, how = _copy_sessions(rows)
    with connect() as conn:
        conn.execute(
            "INSERT INTO subscribers_sessionprefixlength (prefix_len) VALUES (128) ON CONFLICT DO NOTHING"
        )
        conn.execute("ANALYZE subscribers_session")
    _report("import_sessions", SESSION_LINES, expected, stored, run, copy_seconds, how, small_run, load)


def maillog() -> None:
    path, rows = datagen.maillog(MAILLOG_LINES)
    small, _ = datagen.maillog(SMALL_LINES)
    expected = sum(1 for _ in open(rows))
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_maillogentry")
    small_run = run_import("import_maillog", str(small))
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_maillogentry")
    load = loadavg()
    run = run_import("import_maillog", str(path))
    stored = scalar("SELECT count(*) FROM subscribers_maillogentry")
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_maillogentry")
    copy_seconds, how = copy_first_load("subscribers_maillogentry", MAILLOG_COLUMNS, rows)
    with connect() as conn:
        conn.execute("TRUNCATE subscribers_maillogentry")  # the lookups need sessions only
    _report("import_maillog", MAILLOG_LINES, expected, stored, run, copy_seconds, how, small_run, load)


def _report(name, lines, expected, stored, run, copy_seconds, how, small_run, load) -> None:
    rate = stored / run["seconds"]  # rows stored per second
    copy_rate = expected / copy_seconds
    partial = run["stopped_at_deadline"]
    say(
        f"  {name} {stored:,}/{expected:,} rows of {lines:,} lines in {run['seconds']:.1f} s = {rate:,.0f} rows/s"
        f"{' (stopped at the deadline)' if partial else ''}; COPY {copy_rate:,.0f} rows/s ({how}); peak RSS "
        f"{small_run['maxrss_kb'] / 1024:.0f} MiB at {SMALL_LINES:,} lines, {run['maxrss_kb'] / 1024:.0f} MiB at "
        f"{lines:,}{_reader_rss(run)}; {run['stderr_lines']} rejected lines listed"
    )
    emit(
        "imports", name, rate=rate, copy_rate=copy_rate, ratio=rate / copy_rate, unit="rows/s", lines=lines,
        done=stored, expected=expected, partial=partial, copy_how=how, rss_small_mib=small_run["maxrss_kb"] / 1024,
        rss_big_mib=run["maxrss_kb"] / 1024, rss_reader_mib=run.get("children_maxrss_kb", 0) / 1024,
        small_lines=SMALL_LINES, load=load,
    )  # fmt: skip


def _reader_rss(run: dict) -> str:
    """The peak of the process an import read its file in (import_maillog), if it had one."""
    kb = run.get("children_maxrss_kb", 0)
    return f" (and {kb / 1024:.0f} MiB in its reader process)" if kb else ""


def main() -> None:
    say(
        f"imports: mbox {MBOX_MESSAGES:,} messages, sessions {SESSION_LINES:,} lines, maillog {MAILLOG_LINES:,} "
        f"lines; deadline {MAILBOX_DEADLINE} s for the mbox, {DEADLINE} s for the logs"
    )
    prepare()
    parts = {"mailbox": mailbox, "maillog": maillog, "sessions": sessions}
    for name in PARTS:
        parts[name]()


if __name__ == "__main__":
    main()
