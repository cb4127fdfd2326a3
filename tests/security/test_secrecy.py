"""Secrecy of communications (POLICY.md): content (S1) and traffic data (S2) are read only with
an audit entry saying who, when, what, which case and why.

Two nets, so that a new reader cannot slip through:

1. Code: every function that calls a reader of S1 or S2 (the session / mail-log
   selectors, the content service) or touches the log models outside the
   inventory app is listed in READERS with how it is audited. A new caller fails
   `test_every_reader_of_content_or_traffic_data_is_declared` until someone
   decides — and the behaviour tests below prove the declared audit entries.
2. Requests: every route of the permission matrix is called by every desk
   persona while the SQL is watched. A request that selects from the session or
   mail log, or selects a report's raw bytes, must write an audit entry in the
   same request naming the person and the case — or be the intake of that very
   content (received and parsed in the request), or the system's attribution
   entry naming the records it used.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abusedesk.models import AuditEntry
from complaints.attribution.services import report_attribute
from tests.personas import token_client
from tests.sanctions import factories
from tests.security.test_permission_matrix import ROWS, _client, _data, _id, world  # noqa: F401

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = ["abusedesk", "complaints", "policies", "sanctions", "subscribers", "dashboards", "prevention"]

# The readers: the inventory's S2 selectors, the S1 content service, and the log models.
S2_SELECTORS = {
    "session_probe",
    "session_at",
    "account_for_ip_at",
    "mail_submissions",
    "mail_logins",
    "recipient_outcomes",
}
S1_SERVICES = {"report_content"}
S2_MODELS = {"Session", "MailLogEntry"}

# Who calls them, and how each access is recorded. "system": processing inside a
# case, recorded by the entry named; "person": a person's access, recorded with a purpose.
READERS = {
    "complaints/attribution/engine.py:_attribute_origin": "system: report.attributed (records used, case)",
    "complaints/attribution/engine.py:_other_holder_near": "system: report.attributed (its step)",
    "complaints/attribution/engine.py:_submitted_elsewhere_by_ours": "system: report.attributed",
    "complaints/attribution/engine.py:_through_our_server": "system: report.attributed",
    "complaints/attribution/engine.py:_submissions": "system: report.attributed",
    "complaints/attribution/engine.py:_relay_for_outsider": "system: report.attributed",
    # A site advertised in spam whose name points into our pool: the session of its holder.
    "complaints/attribution/engine.py:_attribute_host": "system: report.attributed (records used)",
    "complaints/attribution/engine.py:_attribute_site_address": "system: report.attributed (records used)",
    # The hijack check runs inside the same attribution: the session at the spam's time
    # and the one at each exploited listing's time go into that entry's records.
    "complaints/attribution/compromise.py:_exploited_listing": "system: report.attributed (records)",
    "complaints/attribution/compromise.py:_same_holder_then": "system: report.attributed (records)",
    "complaints/attribution/services.py:_inventory_version": "no row is read: the largest id only",
    "complaints/services/cases.py:case_key_for": "system: report.grouped (the session key, case)",
    "complaints/views.py:report_show_content": "person: via report_content",
    # Counted when the case is evaluated (never in a request: pages pass traffic=False);
    # the mail-log entries counted are kept in the stored recommendation's facts.
    "complaints/facts/derive.py:_recipients": "system: case.recommendation facts.telemetry (maillog ids)",
    "complaints/api/views.py:post": "person: via report_content (ReportContentView)",
    # The volume limits (own telemetry): counts per login and hour, never a line's content.
    # Each run writes telemetry.volume_checked (hours, counts); each login-hour over a
    # limit writes telemetry.volume_crossed with its figures, evidence row and case.
    "prevention/selectors.py:login_hours_over": "system: telemetry.volume_checked / volume_crossed",
    "prevention/selectors.py:hours_after": "no row's content is read: ids and the hours they fall in",
}
# The inventory app itself reads and writes its logs (importers, session overlap checks).
OWN = ("subscribers/",)


def _readers() -> set[str]:
    found = set()
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel.startswith(OWN):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                if names & (S2_SELECTORS | S1_SERVICES | S2_MODELS):
                    found.add(f"{rel}:{node.name}")
    return found


def test_every_reader_of_content_or_traffic_data_is_declared():
    found = _readers()
    assert found - set(READERS) == set(), "new readers of S1/S2: make them audit, then declare them"
    assert set(READERS) - found == set(), "declared readers that no longer exist"


def test_the_traffic_data_has_no_page_outside_a_case():
    from django.contrib import admin

    from subscribers.models import MailLogEntry, Session

    assert Session not in admin.site._registry and MailLogEntry not in admin.site._registry


def test_attribution_records_the_traffic_data_it_used(isp):
    """The system's lookups (address and time to session to account) are recorded per report."""
    from complaints.choices import Channel
    from complaints.services import report_ingest

    raw = factories.spam("198.51.100.23", factories.HANDOVER + timedelta(minutes=5))
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@x.example", acknowledge=False
    )
    report_attribute(report_id=report.report.pk)
    entry = AuditEntry.objects.get(action="report.attributed", object_id=str(report.report.pk))
    assert entry.case_id == report.report.case_id and entry.case_id is not None
    assert entry.data["accounts"] == ["C-2"]
    assert any(r.get("type") == "session" for r in entry.data["records"]), entry.data["records"]
    grouped = AuditEntry.objects.get(action="report.grouped", object_id=str(report.report.pk))
    assert grouped.case_id == entry.case_id


def test_the_hijack_check_records_each_session_it_read(isp):
    """A listing seen after the address changed hands: the check reads who held the
    address then (another customer's session) and the attribution's entry says so."""
    from datetime import timedelta

    from complaints.models import Evidence
    from subscribers.models import Session
    from tests.attribution.conftest import HANDOVER
    from tests.attribution.test_rules import attributed, direct, message

    Evidence.objects.create(
        asked_at=HANDOVER + timedelta(hours=1),  # C-2 holds the address from HANDOVER on
        subject="198.51.100.23",
        kind="dnsbl",
        query_name="23.100.51.198.xbl.test",
        query_type="A",
        zone="xbl.test",
        zone_kind="exploited",
        server="127.0.0.1:53",
        outcome="answer",
        answer=["127.0.0.4"],
        listed=True,
        digest="z" * 64,
    )
    result = attributed(message([direct("198.51.100.23", HANDOVER - timedelta(hours=1))]))  # C-1's spam
    assert result["accounts"] == ["C-1"] and result["compromise"] == []
    entry = AuditEntry.objects.get(action="report.attributed")
    sessions = {r["id"] for r in entry.data["records"] if r["type"] == "session"}
    c1_then = Session.objects.get(account__account_id="C-1", address="198.51.100.23")
    c2_later = Session.objects.get(account__account_id="C-2", address="198.51.100.23")
    assert sessions == {c1_then.pk, c2_later.pk}
    assert entry.case_id is not None


@pytest.mark.parametrize("door", ["browser", "api"])
def test_reading_content_is_recorded_with_who_what_which_case_and_why(
    door, isp, staff, staff_client, staff_token
):
    case = factories.case_from_reports()
    report = case.reports.first()
    if door == "browser":
        response = staff_client.post(
            reverse("report-content", args=[report.pk]), {"purpose": "check the URL"}
        )
    else:
        response = token_client(staff_token).post(
            f"/api/v1/reports/{report.pk}/content/", {"purpose": "check the URL"}, "application/json"
        )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="content.viewed")
    assert (entry.actor, entry.object_id, entry.case_id, entry.reason) == (
        staff,
        str(report.pk),
        case.pk,
        "check the URL",
    )
    assert entry.data["sha256"] == report.raw_sha256 and entry.at is not None


def _reads_secrets(queries) -> list[str]:
    hits = []
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        if '"subscribers_session"' in sql or '"subscribers_maillogentry"' in sql:
            if 'MAX("subscribers_' in sql:  # inventory_version: the largest id, no row
                continue
            hits.append("S2: " + sql[:160])
        if '"complaints_report"."raw"' in sql:
            hits.append("S1: " + sql[:160])
    return hits


def test_no_request_reads_content_or_traffic_data_without_an_audit_entry(world):  # noqa: F811
    unrecorded = []
    for row in ROWS:
        for persona in ("staff", "manager", "superuser"):
            user = world["users"][persona]
            url = reverse(row.name, args=[world["objects"][a] for a in row.args])
            client = _client(world, persona, row)
            with transaction.atomic():
                first = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
                with CaptureQueriesContext(connection) as ctx:
                    if row.method == "GET":
                        client.get(url)
                    elif row.api:
                        client.post(url, _data(world, row), content_type="application/json")
                    else:
                        client.post(url, _data(world, row))
                hits = _reads_secrets(ctx.captured_queries)
                entries = list(AuditEntry.objects.filter(id__gt=first))
                transaction.set_rollback(True)
            if not hits:
                continue
            by_person = [e for e in entries if e.actor_id == user.pk and e.case_id]
            # Intake: the system parses and attributes what this very request handed in.
            by_system = [
                e for e in entries if e.actor_id is None and e.action == "report.attributed" and e.case_id
            ]
            received = {e.object_id for e in entries if e.action == "report.received"}
            parsed = {e.object_id for e in entries if e.action == "report.parsed"}
            if not (by_person or by_system or (received and received <= parsed)):
                unrecorded.append(f"{_id(row)} as {persona}: {hits[0]}")
    assert not unrecorded, "\n".join(unrecorded)


def test_the_admin_shows_no_message_content(isp, staff):
    """The subject and the links of a message are content (S1), read only in the desk with
    a recorded purpose: the admin's report page and link list showed both, unrecorded."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from complaints.choices import Channel
    from complaints.services import report_ingest
    from tests.attribution.conftest import HANDOVER
    from tests.attribution.test_rules import direct, message
    from tests.complaints.samples import complaint

    spam = message([direct("192.0.2.177", HANDOVER)]).replace(b"Subject: ", b"Subject: SECRET-7731 ", 1)
    raw = complaint(reporter="victim@receiver.example", attached=spam, subject="Fwd: spam")
    report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:v@receiver.example").report
    url = report.report_urls.values_list("url", flat=True).first()
    assert "SECRET-7731" in report.subject and url and "SECRET-7731" in str(report.facts)
    admin = get_user_model().objects.create_superuser("root", "root@isp.example.jp", "pw-long-enough-1")
    client = Client()
    client.force_login(admin)
    before = AuditEntry.objects.count()
    page = client.get(f"/admin/complaints/report/{report.pk}/change/")
    links = client.get("/admin/complaints/reporturl/")
    link = client.get(f"/admin/complaints/reporturl/{report.report_urls.first().pk}/change/")
    for response in (page, links, link):
        assert response.status_code == 200
        shown = response.content.decode()
        assert "SECRET-7731" not in shown and url not in shown
    assert report.source_ip and str(report.source_ip) in page.content.decode()  # the facts still are
    assert "cheap.example.net" in links.content.decode() or report.url_hosts[0] in links.content.decode()
    assert AuditEntry.objects.count() == before


def test_refiling_a_report_over_the_api_records_the_traffic_data_it_shows(isp, staff, staff_token):
    """Re-POSTing the same bytes answers 200 with the stored report, attribution (accounts:
    S2) included: recorded as the report's GET records it, naming the person and the case."""
    from datetime import timedelta

    from tests.attribution.conftest import HANDOVER
    from tests.attribution.test_rules import direct, message

    client = token_client(staff_token)
    raw = message([direct("198.51.100.23", HANDOVER - timedelta(hours=1))])
    first = client.post("/api/v1/reports/", raw, content_type="message/rfc822")
    assert first.status_code == 201, first.content
    report_attribute(report_id=first.json()["id"])  # the worker's step after the commit
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    again = client.post("/api/v1/reports/", raw, content_type="message/rfc822")
    assert again.status_code == 200
    shown = (again.json().get("attribution") or {}).get("accounts")
    assert shown, again.json().get("attribution")
    entries = AuditEntry.objects.filter(id__gt=before, action="traffic.viewed", actor_id=staff.pk)
    assert [(e.case_id, e.data["accounts"]) for e in entries] == [(again.json()["case"]["id"], shown)]
    # The GET of the same report records the same kind of entry.
    client.get(f"/api/v1/reports/{again.json()['id']}/")
    assert AuditEntry.objects.filter(id__gt=before, action="traffic.viewed", actor_id=staff.pk).count() == 2
