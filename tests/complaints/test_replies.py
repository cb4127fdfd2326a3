from datetime import UTC, datetime

import pytest

from abusedesk.models import AuditEntry
from complaints.services import report_ingest
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def test_each_complainant_gets_a_private_reply_in_their_language(staff_client, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    for i, reporter in enumerate(["email:tanaka@example.co.jp", "email:joe@example.com"]):
        report = report_ingest(raw=spam(at=AT, message_id=f"<r{i}@x>"), channel="mailbox", reporter_key=reporter,
                               acknowledge=False).report
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/cases/{report.case_id}/reply/", {"template": "investigating"}, follow=True)
    assert "Reply sent to 2 complainants." in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == ["joe@example.com", "tanaka@example.co.jp"]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mailoutbox)
    ja = next(m for m in mailoutbox if m.to == ["tanaka@example.co.jp"])
    en = next(m for m in mailoutbox if m.to == ["joe@example.com"])
    assert "調査" in ja.body and "investigating" in en.body
    assert AuditEntry.objects.filter(action="case.replied", case_id=report.case_id).exists()


def test_a_case_without_e_mail_complainants_says_so(staff_client):
    report = report_ingest(raw=spam(at=AT), channel="api", reporter_key="partner:x", acknowledge=False).report
    response = staff_client.post(f"/cases/{report.case_id}/reply/", {"template": "investigating"}, follow=True)
    assert "no complainant with an e-mail address" in response.content.decode()
