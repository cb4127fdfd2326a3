"""The dossier page and PDF: the whole record, no content, no complainants, and viewing is audited."""

import pytest

from abusedesk.audit import audit_verify
from abusedesk.models import AuditEntry
from complaints.models import Report
from sanctions.choices import State

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(sanction, staff, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return factories.walk(sanction, factories.PATHS[State.UPHELD], desk=staff, decider=manager)


def test_the_dossier_page_shows_the_whole_record(decided, manager_client):
    response = manager_client.get(f"/sanctions/cases/{decided.case_id}/dossier/")
    assert response.status_code == 200
    text = response.content.decode()
    report = Report.objects.filter(case=decided.case).first()
    for expected in (
        report.reference,
        report.raw_sha256,
        "R1",
        "R3",
        decided.reference,
        "C-03a",
        "test: upheld",
    ):
        assert expected in text
    assert "statically assigned to C-3" in text  # an attribution step
    for hidden in ("alice@receiver.example", "Buy now", "Cheap pills"):
        assert hidden not in text


def test_viewing_the_dossier_is_audited(decided, manager_client, manager):
    manager_client.get(f"/sanctions/cases/{decided.case_id}/dossier/")
    entry = AuditEntry.objects.filter(action="dossier.viewed").last()
    assert entry.actor == manager and entry.case_id == decided.case_id
    assert audit_verify().first_broken is None


def test_the_pdf_export(decided, manager_client):
    response = manager_client.get(f"/sanctions/cases/{decided.case_id}/dossier.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="dossier.viewed", data__format="pdf").exists()


def test_outsiders_do_not_see_the_dossier(decided, client, partner):
    client.force_login(partner[0].user)
    assert client.get(f"/sanctions/cases/{decided.case_id}/dossier/").status_code == 403
