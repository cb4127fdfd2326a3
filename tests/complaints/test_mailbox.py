import io
import mailbox

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Report
from tests.complaints.samples import complaint, spam

pytestmark = pytest.mark.django_db


def _messages():
    from datetime import UTC, datetime

    at = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
    return [
        complaint(reporter=f"person{i}@receiver.example", attached=spam(at=at, message_id=f"<{i}@x>"))
        for i in range(3)
    ]


def run(path):
    out = io.StringIO()
    call_command("import_mailbox", str(path), stdout=out)
    return out.getvalue()


def test_an_mbox_is_imported_once(tmp_path):
    box = mailbox.mbox(tmp_path / "abuse.mbox")
    for raw in _messages():
        box.add(raw)
    box.flush()
    assert "read 3, created 3, already stored 0" in run(tmp_path / "abuse.mbox")
    assert "read 3, created 0, already stored 3" in run(tmp_path / "abuse.mbox")
    assert Report.objects.count() == 3
    report = Report.objects.order_by("pk").first()
    assert report.channel == "mailbox"
    assert report.reporter_key == "email:person0@receiver.example"
    assert report.source_ip == "198.51.100.23"


def test_a_maildir_is_imported(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir")
    for raw in _messages():
        box.add(raw)
    assert "created 3" in run(tmp_path / "Maildir")


def test_a_missing_path_is_one_line_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run(tmp_path / "nope")


def test_a_file_that_is_not_an_mbox_is_refused(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(CommandError, match="not an mbox"):
        run(tmp_path / "x.txt")


def test_a_human_complaint_gets_an_acknowledgement_in_japanese_for_jp(
    tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    box = mailbox.mbox(tmp_path / "a.mbox")
    box.add(complaint(reporter="yamada@example.co.jp", attached=spam(at=datetime(2026, 11, 20, tzinfo=UTC))))
    box.flush()
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path / "a.mbox")
    assert len(mailoutbox) == 1
    ack = mailoutbox[0]
    report = Report.objects.get()
    assert ack.to == ["yamada@example.co.jp"]
    assert report.reference in ack.subject
    assert "受け付けました" in ack.subject or "受け付け" in ack.body
    assert report.acknowledged_at is not None


def test_feedback_loop_reports_get_no_acknowledgement(
    tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    from pathlib import Path

    arf = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "rfc" / "rfc5965-B.2-full-report.eml"
    box = mailbox.mbox(tmp_path / "fbl.mbox")
    box.add(arf.read_bytes())
    box.flush()
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path / "fbl.mbox")
    assert Report.objects.get().format == "arf"
    assert mailoutbox == []


def test_an_english_reporter_gets_english(tmp_path, mailoutbox, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    box = mailbox.mbox(tmp_path / "a.mbox")
    box.add(complaint(reporter="joe@example.com", attached=spam(at=datetime(2026, 11, 20, tzinfo=UTC))))
    box.flush()
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path / "a.mbox")
    assert "We received your report" in mailoutbox[0].subject
    assert mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-replied"


def test_no_ack_imports_old_mail_silently(tmp_path, mailoutbox, django_capture_on_commit_callbacks):
    box = mailbox.mbox(tmp_path / "a.mbox")
    for raw in _messages():
        box.add(raw)
    box.flush()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_mailbox", str(tmp_path / "a.mbox"), "--no-ack", stdout=out)
    assert "created 3" in out.getvalue()
    assert mailoutbox == []
