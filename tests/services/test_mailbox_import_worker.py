"""import_mailbox with a broker: the intake worker processes what the import stored,
and the acknowledgements follow (make test-services)."""

import io
import mailbox
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from abusedesk.audit import audit_verify
from abusedesk.models import AuditEntry
from complaints.models import Report
from tests.complaints.samples import complaint, spam
from tests.services.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def worker_kinds():
    from abusedesk.queues import INTAKE, MAIL

    return (INTAKE, MAIL)  # processing, then the acknowledgements


def test_an_imported_mbox_is_processed_by_the_intake_worker(celery_worker, tmp_path):
    box = mailbox.mbox(str(tmp_path / "a.mbox"))
    for n in range(3):
        box.add(complaint(reporter=f"person{n}@example.com", attached=spam(at=AT, message_id=f"<w{n}@x>")))
    box.flush()
    box.close()
    out = io.StringIO()
    call_command("import_mailbox", str(tmp_path / "a.mbox"), stdout=out)
    assert "read 3, created 3, already stored 0" in out.getvalue()

    def done():
        return (
            not Report.objects.filter(status="received").exists()
            and not Report.objects.filter(acknowledged_at__isnull=True).exists()
        )

    assert wait_for(done, timeout=60), list(Report.objects.values_list("status", "acknowledged_at"))
    assert set(Report.objects.values_list("status", flat=True)) == {"parsed"}
    assert AuditEntry.objects.filter(action="report.received").count() == 3
    assert wait_for(lambda: not AuditEntry.objects.filter(seq__isnull=True).exists())
    assert audit_verify().first_broken is None
