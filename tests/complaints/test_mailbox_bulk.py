"""import_mailbox stores in batches, then queues the processing (issue 13, target 2).

The batch path: a streaming mbox reader, one insert per batch with the digest per
reporter as the duplicate check, the "report.received" audit entries chained by the
processing's seal, and the processing queued on the intake queue (in-process without
a broker, as in these tests unless a test turns the broker on).
"""

import functools
import io
import mailbox
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from abusedesk.audit import audit_verify
from abusedesk.models import AuditEntry
from complaints.models import Report
from complaints.services import mailbox as mailbox_service
from complaints.services.mailbox import iter_mbox
from tests.complaints.samples import complaint, spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


@functools.cache
def _message(n: int, reporter: str | None = None) -> bytes:
    """The same bytes every time (a complaint carries its own Date and Message-ID)."""
    return complaint(
        reporter=reporter or f"person{n}@receiver.example", attached=spam(at=AT, message_id=f"<b{n}@x>")
    )


def _mbox(path, messages) -> str:
    box = mailbox.mbox(str(path))
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return str(path)


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_mailbox", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- the streaming reader ------------------------------------------------------------------


MBOX_EDGE_CASES = [
    b"From a@x Thu Nov 20 05:30:00 2026\nSubject: one\n\nbody\n\nFrom b@x Thu Nov 20 05:30:00 2026\nSubject: two\n\nx\n",
    # A "From " line without a blank line before it still starts a message.
    b"From a@x\nSubject: one\n\nbody\nFrom b@x\nSubject: two\n\n",
    # Escaped ">From" stays in the body; no newline at the end of the file.
    b"From a@x\nSubject: one\n\n>From here\n\n\nFrom b@x\n\nlast line without newline",
    # An empty message, CRLF lines, several blank lines at the end.
    b"From a@x\n\nFrom b@x\r\nSubject: crlf\r\n\r\nbody\r\n\n\n\n",
    b"From only@x\n",
]


@pytest.mark.parametrize("data", MBOX_EDGE_CASES)
def test_the_streaming_reader_splits_as_the_standard_library_does(tmp_path, data):
    path = tmp_path / "edge.mbox"
    path.write_bytes(data)
    box = mailbox.mbox(str(path), factory=None, create=False)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    box.close()
    assert list(iter_mbox(str(path))) == expected


def test_the_streaming_reader_reads_what_mailbox_wrote(tmp_path):
    messages = [_message(n) for n in range(5)] + [b"Subject: x\n\nFrom the start of a body line\n"]
    path = _mbox(tmp_path / "a.mbox", messages)
    box = mailbox.mbox(path, factory=None, create=False)
    assert list(iter_mbox(path)) == [box.get_bytes(key) for key in box.iterkeys()]


# --- batches and duplicates -----------------------------------------------------------------


def test_duplicates_in_a_batch_and_across_batches_are_counted_not_stored_twice(tmp_path):
    first = _mbox(tmp_path / "first.mbox", [_message(0), _message(1)])
    assert "read 2, created 2, already stored 0" in run(first)[0]
    # One batch of 3 holding message 0 (stored before) and message 2 twice; then one of 2.
    second = _mbox(
        tmp_path / "second.mbox", [_message(0), _message(2), _message(2), _message(3), _message(1)]
    )
    out, err = run(second, "--batch-size", "3")
    assert "read 5, created 2, already stored 3" in out and err == ""
    assert Report.objects.count() == 4
    assert sorted(Report.objects.values_list("reporter_key", flat=True)) == [
        f"email:person{n}@receiver.example" for n in range(4)
    ]
    # The same bytes from another reporter are another report.
    third = _mbox(tmp_path / "third.mbox", [_message(0, reporter="someone@else.example")])
    assert "created 1" in run(third)[0]


def test_a_message_that_cannot_be_stored_in_the_middle_of_a_batch_is_named_and_the_rest_stored(
    tmp_path, monkeypatch
):
    real = mailbox_service._new_report

    def one_bad_row(raw, channel):
        report = real(raw, channel)
        if b"<b2@x>" in raw:
            report.size = -1  # the database's check constraint refuses the row (and the batch insert)
        return report

    monkeypatch.setattr(mailbox_service, "_new_report", one_bad_row)
    path = _mbox(tmp_path / "a.mbox", [_message(n) for n in range(5)])
    err = io.StringIO()
    with pytest.raises(CommandError, match="read 5, created 4, already stored 0.*1 failed"):
        call_command("import_mailbox", path, "--no-ack", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("message 3: not imported: IntegrityError")
    assert len(err.getvalue().splitlines()) == 1
    assert Report.objects.count() == 4
    stored = {bytes(raw) for raw in Report.objects.values_list("raw", flat=True)}
    assert not any(b"<b2@x>" in raw for raw in stored)
    # Every stored report has its audit entry, the skipped message none; all processed.
    assert AuditEntry.objects.filter(action="report.received").count() == 4
    assert not Report.objects.filter(status="received").exists()
    # Run again without the fault: only the skipped message is new.
    monkeypatch.setattr(mailbox_service, "_new_report", real)
    assert "read 5, created 1, already stored 4" in run(path, "--no-ack")[0]


# --- audit -----------------------------------------------------------------------------------


def test_each_stored_report_has_its_received_entry_and_the_chain_stays_valid(
    tmp_path, django_capture_on_commit_callbacks
):
    path = _mbox(tmp_path / "a.mbox", [_message(n) for n in range(4)] + [_message(1)])
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(path, "--no-ack", "--batch-size", "2")
    assert "created 4, already stored 1" in out
    for report in Report.objects.all():
        entries = AuditEntry.objects.filter(object_type="complaints.report", object_id=str(report.pk))
        received = entries.get(action="report.received")
        assert received.actor_id is None and received.actor_name == "mailbox"
        assert received.data == {"channel": "mailbox", "sha256": report.raw_sha256, "size": report.size}
        assert entries.filter(action="report.parsed").count() == 1
    # Chained by the processing's seal (on its commit), not left for later.
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert audit_verify().first_broken is None


# --- processing -------------------------------------------------------------------------------


def test_without_a_broker_the_reports_are_processed_during_the_import(tmp_path):
    path = _mbox(tmp_path / "a.mbox", [_message(n) for n in range(3)] + [b"Subject: nothing\n\nno facts\n"])
    out, _ = run(path, "--no-ack")
    assert "read 4, created 4, already stored 0, needing manual triage 1" in out
    assert set(Report.objects.values_list("status", flat=True)) == {"parsed", "manual_triage"}
    assert Report.objects.filter(status="parsed", case__isnull=False).count() == 3


@pytest.fixture
def broker():
    """Tasks go to a broker (the in-memory one of the test settings), as with workers."""
    from abusedesk.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


def _queued(app, queue: str) -> list:
    with app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        messages = []
        while True:
            try:
                message = simple.get(block=False)
            except simple.Empty:
                break
            messages.append(message)
            message.ack()
        simple.close()
    return messages


def test_with_a_broker_processing_is_queued_on_the_intake_queue_in_chunks(
    tmp_path, broker, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from abusedesk.queues import INTAKE, queue_name
    from complaints.tasks import process_reports

    _queued(broker, queue_name(INTAKE))  # nothing left over from another test
    monkeypatch.setattr(mailbox_service, "PROCESS_CHUNK", 2)
    humans = [_message(n, reporter=f"person{n}@example.com") for n in range(3)]
    path = _mbox(tmp_path / "a.mbox", humans)
    out, _ = run(path)
    assert "read 3, created 3" in out
    # Stored as received, the audit entries waiting for the processing's seal, no mail yet.
    assert set(Report.objects.values_list("status", flat=True)) == {"received"}
    assert AuditEntry.objects.filter(action="report.received", seq__isnull=True).count() == 3
    assert mailoutbox == []
    queued = _queued(broker, queue_name(INTAKE))
    assert [m.headers["task"] for m in queued] == ["complaints.tasks.process_reports"] * 2
    ids = sorted(Report.objects.values_list("pk", flat=True))
    bodies = [m.decode()[0] for m in queued]
    assert [pk for args in bodies for pk in args[0]] == ids
    assert [pk for args in bodies for pk in args[1]] == ids  # acknowledgements owed after processing
    # What the intake worker does with them.
    broker.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):
        for args in bodies:
            process_reports(*args)
    assert set(Report.objects.values_list("status", flat=True)) == {"parsed"}
    assert sorted(m.to[0] for m in mailoutbox) == [f"person{n}@example.com" for n in range(3)]
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert audit_verify().first_broken is None
    # Run again (a redelivered message): nothing is processed or acknowledged twice.
    with django_capture_on_commit_callbacks(execute=True):
        for args in bodies:
            process_reports(*args)
    assert len(mailoutbox) == 3


def test_no_ack_queues_no_acknowledgements(tmp_path, broker):
    from abusedesk.queues import INTAKE, queue_name

    _queued(broker, queue_name(INTAKE))
    path = _mbox(tmp_path / "a.mbox", [_message(0, reporter="joe@example.com")])
    run(path, "--no-ack")
    (message,) = _queued(broker, queue_name(INTAKE))
    report_ids, acknowledge_ids = message.decode()[0]
    assert report_ids == [Report.objects.get().pk] and acknowledge_ids == []


def test_a_report_left_received_by_an_earlier_import_is_queued_again(tmp_path, broker):
    from abusedesk.queues import INTAKE, queue_name

    _queued(broker, queue_name(INTAKE))
    path = _mbox(tmp_path / "a.mbox", [_message(0)])
    run(path, "--no-ack")
    _queued(broker, queue_name(INTAKE))  # the message is lost (a broker restart)
    out, _ = run(path, "--no-ack")
    assert "created 0, already stored 1" in out
    (message,) = _queued(broker, queue_name(INTAKE))
    assert message.decode()[0] == [[Report.objects.get().pk], []]
