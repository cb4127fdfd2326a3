"""Recording a customer's confirmation or a checked stated origin: one service behind
the browser and the API, with its guards, its audit entry and its effect."""

from datetime import timedelta

import pytest

from abusedesk.errors import ApplicationError, Conflict, PermissionDenied
from abusedesk.models import AuditEntry
from complaints.choices import CaseStatus, Channel
from complaints.models import Case, CaseConfirmation
from complaints.services import report_ingest
from complaints.services.confirmations import case_confirm
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct, message
from tests.personas import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER, helo="mail.customer.example")]),
            channel=Channel.MAILBOX,
            reporter_key="email:a@receiver.example",
            acknowledge=False,
        ).report
    return Case.objects.get(pk=report.case_id)


def test_the_api_records_a_confirmation_and_the_case_follows(
    case, staff_token, django_capture_on_commit_callbacks
):
    api = token_client(staff_token)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/v1/cases/{case.pk}/confirmations/",
            {"kind": "compromise", "statement": "Customer confirmed by phone: infected router."},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content
    assert answer.json()["recorded_by"] == "sato"
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["sending_method"] == "hijacked_host"
    assert detail["confirmations"][0]["kind"] == "compromise"
    assert [c["key"] for c in detail["findings"]["compromise"]] == ["customer_confirmed"]
    assert AuditEntry.objects.filter(action="case.confirmed", case_id=case.pk).exists()


@pytest.mark.parametrize(
    "body, field",
    [({"kind": "compromise", "statement": ""}, "statement"), ({"kind": "gossip", "statement": "x"}, "kind")],
)
def test_bad_input_is_a_400_with_the_field(case, staff_token, body, field):
    answer = token_client(staff_token).post(
        f"/api/v1/cases/{case.pk}/confirmations/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert field in answer.json()["fields"]
    assert not CaseConfirmation.objects.exists()


def test_partners_cannot_see_or_confirm_cases(case, partner):
    _partner, key = partner
    answer = token_client(key).post(
        f"/api/v1/cases/{case.pk}/confirmations/",
        {"kind": "compromise", "statement": "trust me"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert not CaseConfirmation.objects.exists()


def test_the_service_guards_every_entry_point(case, partner, staff):
    partner_obj, _key = partner
    with pytest.raises(PermissionDenied):
        case_confirm(case=case, kind="compromise", statement="x", actor=partner_obj.user)
    with pytest.raises(ApplicationError):
        case_confirm(case=case, kind="compromise", statement="   ", actor=staff)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    case.refresh_from_db()
    with pytest.raises(Conflict):
        case_confirm(case=case, kind="compromise", statement="too late", actor=staff)
    assert not CaseConfirmation.objects.exists()


def test_the_case_page_form_records_it(case, staff_client, django_capture_on_commit_callbacks):
    page = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/confirm/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = staff_client.post(
            f"/cases/{case.pk}/confirm/",
            {"kind": "compromise", "statement": "Hearing: the NAS was infected."},
        )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.sending_method == "hijacked_host"
    answer = staff_client.post(
        f"/cases/{case.pk}/confirm/", {"kind": "compromise", "statement": ""}, follow=True
    )
    assert CaseConfirmation.objects.count() == 1
    assert "This field is required" in answer.content.decode()


def test_a_database_constraint_keeps_the_statement(case, staff):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseConfirmation.objects.create(case=case, kind="compromise", statement="", recorded_by=staff)


def test_a_later_report_in_the_case_carries_the_confirmation_too(
    case, staff, django_capture_on_commit_callbacks
):
    case_confirm(case=case, kind="compromise", statement="Customer: infected.", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER + timedelta(hours=1), helo="mail.customer.example")]),
            channel=Channel.MAILBOX,
            reporter_key="email:b@receiver.example",
            acknowledge=False,
        ).report
    report.refresh_from_db()
    assert report.case_id == case.pk
    assert report.attribution["sending_method"] == "hijacked_host"
