import os
from datetime import UTC, datetime

import pytest
from django.core.management.base import CommandError

from subscribers.importers import maillog
from subscribers.models import MailLogEntry
from tests.subscribers.commands import DATA, run_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("maillog_reader")]

RFC3339 = DATA / "maillog-rfc3339.log"
TRADITIONAL = DATA / "maillog-traditional.log"


def test_submissions_and_logins_are_imported():
    output = run_command("import_maillog", RFC3339)
    assert "read 11, created 4, updated 0, unchanged 0, rejected 2, ignored 4, joined 1" in output.out
    submission = MailLogEntry.objects.get(queue_id="4F2A1C3D")
    assert (submission.kind, submission.service, submission.login, submission.client_ip) == (
        "submission",
        "smtp",
        "taro",
        "61.114.5.23",
    )
    assert submission.at == datetime(2026, 11, 20, 1, 16, 38, 123456, tzinfo=UTC)
    assert submission.host == "mail1"
    assert "sasl_username=taro" in submission.raw_line


def test_the_message_id_is_joined_onto_its_submission():
    run_command("import_maillog", RFC3339)
    assert MailLogEntry.objects.get(queue_id="4F2A1C3D").message_id == "20261120101638.abc123@example.jp"
    assert MailLogEntry.objects.get(queue_id="7D9E4F30").message_id == ""


def test_pop3_and_imap_logins_are_kept_with_the_remote_address():
    run_command("import_maillog", RFC3339)
    logins = {(e.service, e.login, e.client_ip) for e in MailLogEntry.objects.filter(kind="login")}
    assert logins == {("pop3", "hanako", "198.51.100.23"), ("imap", "taro", "2001:db8:1200:1::5")}


def test_malformed_relevant_lines_are_rejected_with_reasons():
    output = run_command("import_maillog", RFC3339)
    assert "maillog-rfc3339.log:8: 'not-an-ip' is not an IPv4 or IPv6 address" in output.err
    assert "maillog-rfc3339.log:9: imap-login line without user=<…> or rip=" in output.err


def test_re_import_is_idempotent():
    run_command("import_maillog", RFC3339)
    output = run_command("import_maillog", RFC3339)
    assert "read 11, created 0, updated 0, unchanged 4, rejected 2, ignored 4, joined 1" in output.out
    assert MailLogEntry.objects.count() == 4


def test_a_message_id_logged_after_the_submission_was_written_is_still_joined(tmp_path, monkeypatch):
    # With room for one pending submission, the second pushes the first out unjoined.
    monkeypatch.setattr(maillog, "PENDING_LIMIT", 1)
    path = tmp_path / "mail.log"
    path.write_text(
        "2026-11-20T10:00:00+09:00 mail1 postfix/submission/smtpd[1]: AAA1: client=x[61.114.5.23], "
        "sasl_method=PLAIN, sasl_username=taro\n"
        "2026-11-20T10:00:01+09:00 mail1 postfix/submission/smtpd[2]: BBB2: client=x[61.114.5.24], "
        "sasl_method=PLAIN, sasl_username=hanako\n"
        "2026-11-20T10:00:02+09:00 mail1 postfix/submission/smtpd[3]: CCC3: client=x[61.114.5.25], "
        "sasl_method=PLAIN, sasl_username=jiro\n"
        "2026-11-20T10:00:03+09:00 mail1 postfix/cleanup[4]: AAA1: message-id=<late@example.jp>\n"
        "2026-11-20T10:00:04+09:00 mail1 postfix/cleanup[4]: CCC3: message-id=<ccc@example.jp>\n"
    )
    output = run_command("import_maillog", path)
    assert "read 5, created 3, updated 0, unchanged 0, rejected 0, joined 2" in output.out
    assert MailLogEntry.objects.get(queue_id="AAA1").message_id == "late@example.jp"
    assert MailLogEntry.objects.get(queue_id="CCC3").message_id == "ccc@example.jp"
    assert MailLogEntry.objects.get(queue_id="BBB2").message_id == ""


def test_traditional_timestamps_use_year_and_zone():
    output = run_command("import_maillog", TRADITIONAL, year=2026, tz="Asia/Tokyo")
    assert "read 3, created 2, updated 0, unchanged 0, rejected 0, joined 1" in output.out
    submission = MailLogEntry.objects.get(queue_id="8A1B2C3D")
    assert submission.at == datetime(2026, 11, 20, 1, 16, 38, tzinfo=UTC)
    assert submission.message_id == "trad.20261120@example.jp"
    assert MailLogEntry.objects.get(kind="login").at == datetime(2026, 11, 20, 1, 20, 1, tzinfo=UTC)


def test_traditional_timestamps_without_year_and_zone_stop_the_import():
    with pytest.raises(CommandError, match="pass --year and --tz"):
        run_command("import_maillog", TRADITIONAL)
    with pytest.raises(CommandError, match="pass --year and --tz"):
        run_command("import_maillog", TRADITIONAL, year=2026)


def test_an_unknown_zone_is_a_command_error():
    with pytest.raises(CommandError, match="'Mars/Olympus' is not an IANA time zone"):
        run_command("import_maillog", TRADITIONAL, year=2026, tz="Mars/Olympus")


def test_the_year_advances_when_the_log_crosses_new_year(tmp_path):
    path = tmp_path / "mail.log"
    path.write_text(
        "Dec 31 23:59:59 mail2 dovecot: imap-login: Login: user=<taro>, method=PLAIN, rip=61.114.5.23\n"
        "Jan  1 00:00:01 mail2 dovecot: imap-login: Login: user=<taro>, method=PLAIN, rip=61.114.5.23\n"
    )
    run_command("import_maillog", path, year=2026, tz="UTC")
    stamps = sorted(MailLogEntry.objects.values_list("at", flat=True))
    assert stamps == [
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run_command("import_maillog", tmp_path / "maillog")


# -- the same outcomes whichever path runs (batches on SQLite, set-based on PostgreSQL)

SUBMISSION = (
    "2026-11-20T10:00:00+09:00 mail1 postfix/submission/smtpd[1]: {qid}: client=x[61.114.5.23], "
    "sasl_method=PLAIN, sasl_username=taro\n"
)
CLEANUP = "2026-11-20T10:00:01+09:00 mail1 postfix/cleanup[4]: {qid}: message-id=<{qid}@example.jp>\n"
LOGIN = "2026-11-20T10:00:02+09:00 mail2 dovecot: imap-login: Login: user=<hanako>, method=PLAIN, rip=61.114.5.24\n"


def test_a_repeated_event_in_one_file_is_stored_once(tmp_path):
    path = tmp_path / "mail.log"
    path.write_text(LOGIN + LOGIN + SUBMISSION.format(qid="AAA1") + CLEANUP.format(qid="AAA1"))
    output = run_command("import_maillog", path)
    assert "read 4, created 2, updated 0, unchanged 1, rejected 0, joined 1" in output.out
    assert MailLogEntry.objects.count() == 2


def test_a_re_import_adds_a_message_id_the_first_import_did_not_have(tmp_path):
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    first.write_text(SUBMISSION.format(qid="BBB2"))
    second.write_text(SUBMISSION.format(qid="BBB2") + CLEANUP.format(qid="BBB2") + LOGIN)
    run_command("import_maillog", first)
    assert MailLogEntry.objects.get(queue_id="BBB2").message_id == ""
    output = run_command("import_maillog", second)
    assert "read 3, created 1, updated 1, unchanged 0, rejected 0, joined 1" in output.out
    assert MailLogEntry.objects.get(queue_id="BBB2").message_id == "BBB2@example.jp"


def test_a_late_cleanup_line_reaches_a_submission_stored_by_an_earlier_import(tmp_path, monkeypatch):
    monkeypatch.setattr(maillog, "PENDING_LIMIT", 1)
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    first.write_text(SUBMISSION.format(qid="CCC3"))
    run_command("import_maillog", first)
    # The same submission again, pushed out of the window by the next one, then its cleanup.
    second.write_text(
        SUBMISSION.format(qid="CCC3") + SUBMISSION.format(qid="DDD4") + CLEANUP.format(qid="CCC3")
    )
    output = run_command("import_maillog", second)
    assert "read 3, created 1, updated 0, unchanged 1, rejected 0, joined 1" in output.out
    assert MailLogEntry.objects.get(queue_id="CCC3").message_id == "CCC3@example.jp"


def test_on_postgresql_only_the_copy_of_each_batch_grows_with_the_file(tmp_path):
    # CaptureQueriesContext sees every statement but the COPY that stages each batch.
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the set-based import is the PostgreSQL path; SQLite writes in batches")
    from django.test.utils import CaptureQueriesContext

    counts = []
    for lines in (100, 3000):
        path = tmp_path / f"logins-{lines}.log"
        path.write_text(
            "".join(
                f"2026-11-20T10:{n // 60 % 60:02d}:{n % 60:02d}.{lines:06d}+09:00 mail2 dovecot: imap-login: "
                f"Login: user=<u{n}>, method=PLAIN, rip=61.114.5.24\n"
                for n in range(lines)
            )
        )
        with CaptureQueriesContext(connection) as queries:
            output = run_command("import_maillog", path)
        assert f"read {lines}, created {lines}," in output.out
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_hours_a_file_touched_are_its_entries_utc_clock_hours(tmp_path):
    # The last microsecond of an hour, the first of the next, and a line in another zone
    # falling into the first hour again: two UTC clock hours for the volume limits.
    path = tmp_path / "hours.log"
    path.write_text(
        "2026-10-12T10:59:59.999999+09:00 mail2 dovecot: imap-login: Login: user=<a>, rip=61.114.5.24\n"
        "2026-10-12T11:00:00.000000+09:00 mail2 dovecot: imap-login: Login: user=<b>, rip=61.114.5.24\n"
        "2026-10-12T01:30:00.000000+00:00 mail2 dovecot: imap-login: Login: user=<c>, rip=61.114.5.24\n"
    )
    touched: set = set()
    results = list(maillog.import_maillog(path, touched=touched))
    assert sum(r.count for r in results if r.outcome == "created") == 3
    assert touched == {datetime(2026, 10, 12, 1, tzinfo=UTC), datetime(2026, 10, 12, 2, tzinfo=UTC)}


def test_lines_without_a_record_are_counted_not_listed(tmp_path):
    path = tmp_path / "quiet.log"
    path.write_text(
        "not syslog at all\n"
        "2026-10-12T10:00:00+09:00 mail2 postfix/qmgr[7]: 4F2A1C3D: removed\n"
        "2026-10-12T10:00:01+09:00 mail2 dovecot: imap-login: Login: user=<a>, rip=61.114.5.24\n"
        "2026-10-12T10:00:02+09:00 mail2 dovecot: imap-login: Login: user=<b>, rip=not-an-ip\n"
    )
    results = list(maillog.import_maillog(path))
    assert [(r.line, r.outcome, r.count) for r in results if r.outcome in ("ignored", "rejected")] == [
        (4, "rejected", 1),
        (0, "ignored", 2),
    ]


def test_a_large_file_is_read_by_a_process_of_its_own(monkeypatch, maillog_reader):
    started = []
    original = maillog._ReaderProcess.__init__

    def spy(self, *args):
        original(self, *args)
        started.append(self.process.pid)

    monkeypatch.setattr(maillog._ReaderProcess, "__init__", spy)
    output = run_command("import_maillog", RFC3339)
    assert "read 11, created 4, updated 0, unchanged 0, rejected 2, ignored 4, joined 1" in output.out
    assert len(started) == (1 if maillog_reader == "reader-process" else 0)


def test_a_reader_process_that_dies_fails_the_import_and_stores_nothing(monkeypatch, maillog_reader):
    if maillog_reader != "reader-process":
        pytest.skip("the reader process only")
    monkeypatch.setattr(maillog, "_read_in_process", lambda path, clock, sender: os._exit(3))
    with pytest.raises(CommandError, match="reader process stopped before the file ended"):
        run_command("import_maillog", RFC3339)
    assert MailLogEntry.objects.count() == 0


def test_where_no_process_may_be_started_the_file_is_read_here(monkeypatch, maillog_reader):
    def refuse(self, *args):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(maillog._ReaderProcess, "__init__", refuse)
    output = run_command("import_maillog", RFC3339)
    assert "read 11, created 4, updated 0, unchanged 0, rejected 2, ignored 4, joined 1" in output.out
