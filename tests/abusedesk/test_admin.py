"""The admin is for superusers and the inventory: derived facts and records are read-only there."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from abusedesk.models import AuditEntry
from complaints.models import Case, Partner

pytestmark = pytest.mark.django_db

# Everything the desk derives or records: superusers only, and never changed here.
RECORDS = [
    "complaints.case",
    "complaints.report",
    "complaints.reporturl",
    "sanctions.sanction",
    "sanctions.execution",
    "sanctions.notice",
    "sanctions.hearinganswer",
    "abusedesk.auditentry",
    "screening.screeningquery",
    "screening.termination",
    "screening.transfer",
    "screening.receivedentry",
    "screening.exchangeparticipant",
    "prevention.filteringconsent",
    "prevention.filteringinstruction",
    "prevention.volumewindow",
]
SUPERUSER_ONLY = [*RECORDS, "complaints.partner", "abusedesk.apitoken"]
INVENTORY = ["subscribers.subscriber", "subscribers.account", "subscribers.addressblock"]
POLICIES = ["policies.clause", "policies.criteriaset"]
# axes' own records of failed logins (superusers only by axes' model permissions).
AXES = ["axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"]


def test_every_registered_model_is_in_one_of_the_lists():
    registered = {m._meta.label_lower for m in admin.site._registry}
    listed = set(SUPERUSER_ONLY) | set(INVENTORY) | set(POLICIES) | set(AXES) | {"auth.user", "auth.group"}
    assert registered == listed, "a new admin page: decide who may see and change it, and list it here"


@pytest.fixture
def root_client(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.jp", "x"))
    return client


@pytest.fixture
def case(db):
    return Case.objects.create(key="address:198.51.100.7", kind="address", subject="198.51.100.7")


def _changelist(label):
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.mark.parametrize("label", SUPERUSER_ONLY)
def test_desk_users_do_not_see_records_in_the_admin(staff_client, manager_client, label):
    for client in (staff_client, manager_client):
        assert client.get(_changelist(label)).status_code == 403
        index = client.get(reverse("admin:index")).content.decode()
        assert _changelist(label) not in index


@pytest.mark.parametrize("label", RECORDS)
def test_superusers_read_records_but_cannot_add_change_or_delete(root_client, label):
    app, model = label.split(".")
    assert root_client.get(_changelist(label)).status_code == 200
    assert root_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_a_case_cannot_be_rewritten_in_the_admin(root_client, staff_client, case):
    url = reverse("admin:complaints_case_change", args=[case.pk])
    forged = {
        "status": "closed",
        "roles": '["sending"]',
        "accounts": '["C-1001"]',
        "evidence_level": "E4",
        "recommended_level": "L7",
    }
    assert staff_client.post(url, forged).status_code == 403
    page = root_client.get(url)
    assert page.status_code == 200 and b'name="evidence_level"' not in page.content
    assert root_client.post(url, forged).status_code == 403
    case.refresh_from_db()
    assert (case.status, case.accounts, case.evidence_level, case.recommended_level) == ("open", [], "", "")
    assert (
        root_client.post(reverse("admin:complaints_case_delete", args=[case.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_raw_message_is_not_in_the_report_admin(root_client, db):
    from complaints.services import report_ingest

    raw = b"From: a@b.example\r\nSubject: secret-body-test\r\n\r\nthe secret body text\r\n"
    report = report_ingest(
        raw=raw, channel="mailbox", reporter_key="email:a@b.example", acknowledge=False
    ).report
    page = root_client.get(reverse("admin:complaints_report_change", args=[report.pk])).content.decode()
    assert "the secret body text" not in page


def test_a_partner_edit_goes_through_the_service_and_is_audited(root_client, partner):
    url = reverse("admin:complaints_partner_change", args=[partner[0].pk])
    bad = root_client.post(url, {"contact_email": "noc@receiver.example", "rate_limit": "lots"})
    assert Partner.objects.get(pk=partner[0].pk).rate_limit == "120/min"
    assert bad.status_code in (200, 302)
    root_client.post(url, {"contact_email": "noc@receiver.example", "rate_limit": "600/min"})
    changed = Partner.objects.get(pk=partner[0].pk)
    assert (changed.contact_email, changed.rate_limit, changed.name) == (
        "noc@receiver.example",
        "600/min",
        "Receiver ISP",
    )
    entry = AuditEntry.objects.get(action="partner.updated")
    assert entry.actor_name == "root" and entry.data["after"]["rate_limit"] == "600/min"
