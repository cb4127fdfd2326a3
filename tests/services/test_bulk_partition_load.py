"""A bulk import's first load of a partition is built apart and swapped in
(partitions.insert_partitioned), on PostgreSQL.

The layout is made again in each test's transaction (as in test_partitions): `_old`
below 2026-09-01, one partition per month 2026-09 .. 2026-12, DEFAULT above.
SWAP_MIN_ROWS is lowered so that small files take the path a large one takes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from subscribers import partitions
from subscribers.models import MailLogEntry, Session
from subscribers.selectors import session_at
from tests.subscribers.commands import run_command
from tests.subscribers.conftest import inventory  # noqa: F401  (fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db, pytest.mark.usefixtures("inventory")]

CSV_HEADER = "account_id,ip,start,stop\n"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def layout(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    for log in partitions.LOGS:
        for name in partitions.partition_names(log.table):
            partitions._execute(f"DROP TABLE {name}")
        partitions.lay_out(log.table, first=utc(2026, 9, 1), last=utc(2026, 12, 1))
    monkeypatch.setattr(partitions, "SWAP_MIN_ROWS", 10)


def oid(name: str) -> int:
    return partitions._rows("SELECT to_regclass(%s)::oid", [name])[0][0]


def where(table: str, pk: int) -> str:
    return partitions._rows(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])[0][0]


def definitions(name: str) -> list[str]:
    """The partition's indexes and constraints, with its own name taken out."""
    rows = partitions._rows(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = to_regclass(%s) "
        "UNION ALL SELECT contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s)",
        [name, name],
    )
    return sorted(row[0].replace(name, "<partition>") for row in rows)


def sessions_csv(tmp_path, day: str, lines: int, *, account="C-1001", net="10.88") -> str:
    path = tmp_path / f"sessions-{day}-{net}.csv"
    path.write_text(
        CSV_HEADER
        + "".join(
            f"{account},{net}.{n // 250}.{n % 250},{day}T01:00:00Z,{day}T02:00:00Z\n" for n in range(lines)
        ),
        encoding="utf-8",
    )
    return path


def test_a_first_load_of_a_month_becomes_the_month_with_its_indexes_and_keys(tmp_path):
    month = "subscribers_session_p202610"
    before_oid, before_shape = oid(month), definitions(month)
    output = run_command("import_sessions", sessions_csv(tmp_path, "2026-10-05", 40))
    assert "read 40, created 40," in output.out
    assert oid(month) != before_oid  # the loaded table took the partition's place
    assert definitions(month) == before_shape  # the same primary key, indexes, foreign key
    assert partitions.partition_names("subscribers_session") == sorted(
        ["subscribers_session_old", "subscribers_session_default"]
        + [f"subscribers_session_p2026{m:02d}" for m in (9, 10, 11, 12)]
    )
    session = session_at(ip="10.88.0.7", at=utc(2026, 10, 5, 1, 30))
    assert session.account.account_id == "C-1001"
    assert where("subscribers_session", session.pk) == month
    # Its ids come from the table's identity: a row written afterwards does not collide.
    later = Session.objects.create(
        account=session.account, address="10.99.0.1", ip_start_key=session.ip_start_key[:-1] + "0",
        prefix_len=128, started_at=utc(2026, 10, 6), source=session.source,
    )  # fmt: skip
    assert later.pk > max(Session.objects.exclude(pk=later.pk).values_list("pk", flat=True))


def test_the_swapped_month_keeps_refusing_what_the_table_refuses(tmp_path):
    run_command("import_sessions", sessions_csv(tmp_path, "2026-10-05", 20))
    session = Session.objects.filter(started_at__month=10).first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the foreign key to the accounts
        partitions._execute(
            "INSERT INTO subscribers_session_p202610 (id, account_id, ip_start_key, prefix_len, address, "
            "started_at, source, radius_session_id) VALUES (-1, -42, 'x', 128, '10.0.0.1', %s, 'csv', '')",
            [utc(2026, 10, 9)],
        )
        partitions._execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():  # the primary key (id, started_at)
        partitions._execute(
            "INSERT INTO subscribers_session SELECT * FROM subscribers_session WHERE id = %s", [session.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # the partition's bound
        partitions._execute(
            "UPDATE subscribers_session_p202610 SET started_at = %s WHERE id = %s", [utc(2026, 11, 2), session.pk]
        )


def test_a_month_that_holds_rows_is_written_into_as_before(tmp_path):
    month = "subscribers_session_p202610"
    run_command("import_sessions", sessions_csv(tmp_path, "2026-10-05", 3))  # below SWAP_MIN_ROWS
    first = oid(month)
    output = run_command("import_sessions", sessions_csv(tmp_path, "2026-10-07", 30, net="10.89"))
    assert "read 30, created 30," in output.out
    assert oid(month) == first
    assert Session.objects.filter(started_at__month=10).count() == 33


def test_history_below_the_first_month_is_loaded_into_old_and_months_apart(tmp_path):
    old, october = "subscribers_session_old", "subscribers_session_p202610"
    old_oid, october_oid = oid(old), oid(october)
    path = tmp_path / "mixed.csv"
    path.write_text(
        CSV_HEADER
        + "".join(f"C-1002,10.90.0.{n},2025-06-0{1 + n % 9}T01:00:00Z,2025-06-0{1 + n % 9}T02:00:00Z\n" for n in range(25))
        + "".join(f"C-1002,10.91.0.{n},2026-10-0{1 + n % 9}T01:00:00Z,2026-10-0{1 + n % 9}T02:00:00Z\n" for n in range(25))
        + "C-1002,10.92.0.1,2026-11-03T01:00:00Z,2026-11-03T02:00:00Z\n",
        encoding="utf-8",
    )  # fmt: skip
    output = run_command("import_sessions", path)
    assert "read 51, created 51," in output.out
    assert oid(old) != old_oid and oid(october) != october_oid
    counts = dict(
        partitions._rows("SELECT tableoid::regclass::text, count(*) FROM subscribers_session GROUP BY 1")
    )
    assert counts == {old: 25, october: 25, "subscribers_session_p202611": 1}
    assert session_at(ip="10.90.0.3", at=utc(2025, 6, 4, 1, 30)).account.account_id == "C-1002"


def test_overlaps_and_rejections_are_decided_as_before_the_swap(tmp_path):
    path = tmp_path / "overlaps.csv"
    path.write_text(
        CSV_HEADER
        + "".join(f"C-1001,10.93.0.{n},2026-10-05T01:00:00Z,2026-10-05T02:00:00Z\n" for n in range(20))
        + "C-1002,10.93.0.4,2026-10-05T01:30:00Z,2026-10-05T03:00:00Z\n"  # overlaps line 5
        + "M-1001,10.93.1.1,2026-10-05T01:00:00Z,2026-10-05T02:00:00Z\n",  # a mail account
        encoding="utf-8",
    )
    output = run_command("import_sessions", path)
    assert "read 22, created 20," in output.out and "rejected 2" in output.out
    assert session_at(ip="10.93.0.4", at=utc(2026, 10, 5, 1, 45)).account.account_id == "C-1001"


def maillog(tmp_path, day: str, lines: int) -> str:
    path = tmp_path / f"mail-{day}.log"
    path.write_text(
        "".join(
            f"{day}T10:{n // 60 % 60:02d}:{n % 60:02d}.000001+09:00 mail2 dovecot: imap-login: "
            f"Login: user=<u{n}>, method=PLAIN, rip=61.114.5.24\n"
            for n in range(lines)
        )
    )
    return path


def test_a_mail_log_first_load_is_swapped_in_and_a_second_import_changes_nothing(tmp_path):
    month = "subscribers_maillogentry_p202610"
    before_oid, before_shape = oid(month), definitions(month)
    path = maillog(tmp_path, "2026-10-12", 30)
    assert "read 30, created 30," in run_command("import_maillog", path).out
    assert oid(month) != before_oid
    assert definitions(month) == before_shape
    assert "created 0" in run_command("import_maillog", path).out
    assert MailLogEntry.objects.count() == 30
    assert oid(month) != before_oid


def test_a_month_that_could_not_be_swapped_gets_the_rows_inserted(tmp_path, monkeypatch):
    month = "subscribers_session_p202610"
    before = oid(month)
    monkeypatch.setattr(partitions, "load_table_swap", lambda *args: False)
    output = run_command("import_sessions", sessions_csv(tmp_path, "2026-10-05", 30))
    assert "read 30, created 30," in output.out
    assert oid(month) == before
    assert Session.objects.filter(started_at__month=10).count() == 30
    assert partitions._rows("SELECT to_regclass('subscribers_session_p202610_load')")[0][0] is None


def test_a_nat_port_block_first_load_is_swapped_in(tmp_path):
    from subscribers.selectors import nat_block_at
    from subscribers.services import block_upsert

    block_upsert(prefix="198.51.100.0/28", kind="shared")
    month = "subscribers_natportblock_p202610"
    before_oid, before_shape = oid(month), definitions(month)
    path = tmp_path / "nat.csv"
    path.write_text(
        "address,port_start,port_end,start,stop,account_id\n"
        + "".join(f"198.51.100.{1 + n // 32},{1024 + (n % 32) * 512},{1535 + (n % 32) * 512},"
                  f"2026-10-09T01:00:00Z,2026-10-09T05:00:00Z,C-100{1 + n % 2}\n" for n in range(40)),
        encoding="utf-8",
    )  # fmt: skip
    output = run_command("import_natlog", path)
    assert "read 40, created 40," in output.out
    assert oid(month) != before_oid
    assert definitions(month) == before_shape
    row = nat_block_at(ip="198.51.100.2", port=1024 + 3 * 512 + 7, at=utc(2026, 10, 9, 2))
    assert row.account.account_id == "C-1002"


def test_a_first_load_is_decided_alike_without_the_probes_of_stored_sessions():
    from subscribers.models import Account
    from subscribers.services import sessions_bulk as bulk

    assert Account.objects.filter(account_id__in=["C-1001", "C-1002", "M-1001"]).count() == 3

    def line(n, account, last_octet, start_h, stop_h):
        stop = utc(2026, 10, 1, stop_h) if stop_h is not None else None
        return bulk.StagedSession(
            n, account, f"k{last_octet}", 128, f"10.97.0.{last_octet}", utc(2026, 10, 1, start_h), stop
        )

    rows = [
        line(1, "C-1001", 1, 1, 2),
        line(2, "C-1002", 1, 1, 3),  # overlaps line 1 in the file
        line(3, "C-1001", 2, 4, 3),  # stops before it starts
        line(4, "C-1001", 3, 5, None),  # open
        line(5, "C-1002", 3, 7, 8),  # after the open one began
        line(6, "C-9999", 4, 1, 2),  # unknown account
        line(7, "M-1001", 5, 1, 2),  # a mail account
        line(8, "C-1002", 6, 1, 2),
        line(9, "C-1002", 6, 1, 2),  # the same line twice
        line(10, "C-1001", 7, 1, 2),
    ]
    bulk.sessions_stage(rows)
    assert not bulk._stored_within_reach()
    decided = []
    for stored in (True, False):
        partitions._execute("DROP TABLE IF EXISTS subscribers_session_decided")
        partitions._execute(bulk._decide_sql(stored=stored))
        decided.append(partitions._rows("SELECT * FROM subscribers_session_decided ORDER BY line"))
    assert decided[0] == decided[1]
    assert [row[8] for row in decided[0]] == ["row"] * 5 + ["rejected"] * 2 + ["row"] * 2 + ["insert"]
    bulk.sessions_unstage()


def test_an_open_session_stored_long_before_keeps_the_probes(tmp_path):
    run_command("import_sessions", sessions_csv(tmp_path, "2025-01-05", 1, account="C-1001", net="10.98"))
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(stopped_at=None)  # still open today
    # A later first load for the same address: the open session is within reach, and the
    # new holder's line closes it (as a line by line import would), not a blind insert.
    output = run_command("import_sessions", sessions_csv(tmp_path, "2026-10-05", 20, account="C-1002", net="10.98"))
    assert "read 20, created 20," in output.out
    assert "note: implicitly closed" in output.out and "note 1" in output.out
    session.refresh_from_db()
    assert session.stopped_at == utc(2026, 10, 5, 1)


@pytest.mark.parametrize("month_holds_rows", [False, True], ids=["swapped", "inserted"])
def test_mail_log_entries_get_their_ids_in_the_order_of_the_file(tmp_path, month_holds_rows):
    if month_holds_rows:
        run_command("import_maillog", maillog(tmp_path, "2026-10-02", 1))
    # Later lines carry earlier times and other hosts: any order but the file's differs.
    path = tmp_path / "backwards.log"
    path.write_text(
        "".join(
            f"2026-10-12T10:{59 - n:02d}:00.000001+09:00 mail{n % 3} dovecot: imap-login: "
            f"Login: user=<u{n}>, method=PLAIN, rip=61.114.5.{n}\n"
            for n in range(30)
        )
    )
    assert "created 30," in run_command("import_maillog", str(path)).out
    logins = MailLogEntry.objects.filter(at__day=12).order_by("id").values_list("login", flat=True)
    assert list(logins) == [f"u{n}" for n in range(30)]


def test_a_mail_log_first_load_is_decided_alike_without_the_join_with_stored_entries():
    from subscribers.services import maillog_bulk, maillog_row_build

    def row(login: str, message_id: str = "", second: int = 0):
        return maillog_row_build(
            kind="submission", service="smtp", login=login, client_ip="61.114.5.23",
            at=utc(2026, 10, 12, 1, 0, second), host="mail1", queue_id=f"Q{login}", message_id=message_id,
            raw_line=f"{login} {message_id}",
        )  # fmt: skip

    entries = [
        row("a"), row("b", "c@x"), row("a", "a@x"), row("c"), row("b"), row("a", "b@x"), row("c"),
        row("d", "d@x", 1), row("d", "", 2),
    ]  # fmt: skip
    maillog_bulk.maillog_stage_open()
    maillog_bulk.maillog_stage_add(entries=entries, first_seq=0)
    decided = {}
    for stored in (True, False):
        partitions._execute(maillog_bulk.decide_sql(stored=stored))
        decided[stored] = partitions._rows(
            "SELECT seq, existing_id, decision, first_message_id FROM subscribers_maillog_decided ORDER BY seq"
        )
        partitions._execute("DROP TABLE subscribers_maillog_decided")
    maillog_bulk.maillog_stage_close()

    assert decided[False] == decided[True]
    assert [(d, m) for _seq, _id, d, m in decided[False]] == [
        ("created", "a@x"), ("created", "c@x"), ("updated", "a@x"), ("created", ""), ("unchanged", "c@x"),
        ("unchanged", "a@x"), ("unchanged", ""), ("created", "d@x"), ("created", ""),
    ]  # fmt: skip
