"""POLICY rules 9 and 4 recommend forwarding a case about our own customer to the network
that relayed the spam. The case page offers the forward for such a case (it hid it for
every case of ours), the service and the API take it, and what is sent withholds the
complainant (S3) and our customer (S4). A case of ours that no rule forwards is still
worked here only."""

from __future__ import annotations

import email
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case, Forward
from complaints.services import report_ingest
from complaints.services.forwarding import case_is_ours, forward_contact
from sanctions.services.recommend import case_recommendation_refresh
from tests.attribution import conftest as attribution
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct
from tests.personas import token_client
from tests.sanctions import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isp")]
isp = attribution.isp  # the small ISP's inventory

AT = HANDOVER + timedelta(minutes=1)
STAMP = f"{AT:%a, %d %b %Y %H:%M:%S +0000}"
CUSTOMER = "c2@mail.example.jp"  # S-2's address on file: C-2 holds 198.51.100.23 after HANDOVER
COMPLAINANT = "alice.secret@receiver.example"


def _spam(received: list[str]) -> bytes:
    lines = [f"Received: {r}" for r in received] + [
        "From: offers@cheap-offers.example",
        f"To: {COMPLAINANT}",
        "Subject: Cheap pills",
        f"Message-ID: <relay-{len(received)}@pc.invalid>",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
        "",
        f"Buy now. Questions? Write to {CUSTOMER}. http://cheap.example.net/x",
        "",
    ]
    return "\r\n".join(lines).encode()


def _case(raw: bytes) -> Case:
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key=f"email:{COMPLAINANT}", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    case = Case.objects.get(pk=Case.objects.get(reports=report).pk)
    case_recommendation_refresh(case_id=case.pk)
    case.refresh_from_db()
    return case


def rule_9_case() -> Case:
    """Our customer (C-2) logged in to another provider's server and sent through it."""
    return _case(
        _spam(
            [
                "from mail.other-isp.example (mail.other-isp.example [192.0.2.19]) by mx.receiver.example "
                f"with ESMTPS id 7F; {STAMP}",
                "from pc (unknown [198.51.100.23]) (Authenticated sender: spammer@other-isp.example) "
                f"by mail.other-isp.example with ESMTPSA id 8G; {STAMP}",
            ]
        )
    )


def rule_4_case() -> Case:
    """Our customer's own server on a dynamic line (C-2), straight to the receiver's MX."""
    return _case(_spam([direct("198.51.100.23", AT)]))


def test_the_case_page_offers_the_forward_to_the_relaying_isp(staff_client):
    case = rule_9_case()
    assert case.roles == ["sending"] and case.accounts == ["C-2"]
    text = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/forward/"' in text
    assert "Known abuse contact: abuse@other-isp.example" in text
    assert 'value="abuse@other-isp.example"' in text  # the form's default address
    assert "data-forward-ours" in text


def test_the_relaying_isp_gets_the_spam_without_the_complainant_or_our_customer(
    staff, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    case = rule_9_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/cases/{case.pk}/forward/", {"format": "arf", "to": "", "reason": "rule 9: their account"}
        )
    assert response.status_code == 302
    forward = Forward.objects.get(case=case)
    assert forward.to == "abuse@other-isp.example"
    wire = mailoutbox[0].message().as_bytes()
    assert b"mail.other-isp.example" in wire and b"spammer@other-isp.example" in wire  # what they act on
    assert COMPLAINANT.encode() not in wire  # S3
    assert CUSTOMER.encode() not in wire  # S4
    for reveal in (b"C-2", b"S-2", b"Customer 2"):
        assert reveal not in email.message_from_bytes(wire).as_bytes()


def test_rule_4_offers_the_forward_and_asks_for_the_address(staff_client, staff_token):
    case = rule_4_case()
    assert case.recommendation.get("forward_to") == "relaying_network"
    text = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/forward/"' in text
    assert "No contact is known for this case; give one to forward it." in text
    missing = token_client(staff_token).post(
        f"/api/v1/cases/{case.pk}/forward/", {"format": "xarf"}, "application/json"
    )
    assert missing.status_code == 400 and "to" in missing.json()["fields"]
    response = token_client(staff_token).post(
        f"/api/v1/cases/{case.pk}/forward/",
        {"format": "xarf", "to": "abuse@upstream.example", "reason": "rule 4"},
        "application/json",
    )
    assert response.status_code == 201, response.content


def test_a_case_of_ours_no_rule_forwards_still_has_no_forward(staff_client):
    case = factories.case_from_reports()  # our static line C-3 (rule 3: we act, nobody else)
    case_recommendation_refresh(case_id=case.pk)
    case.refresh_from_db()
    assert not case.recommendation.get("forward_to")
    text = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/forward/"' not in text
    refused = staff_client.post(f"/cases/{case.pk}/forward/", {"format": "arf", "to": "abuse@x.example"})
    assert refused.status_code == 400 and not Forward.objects.filter(case=case).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_relaying_contact_is_looked_up_through_the_cases_reports_not_every_reports_time():
    """A case of ours that a rule forwards, but whose reports no relaying network logged
    in to: looking for the relaying contact must read the case's reports, never walk the
    index of every report's arrival time (1.8 s per view of the case at a million)."""
    case = rule_4_case()
    assert case.recommendation.get("forward_to") and case_is_ours(case)
    with CaptureQueriesContext(connection) as captured:
        forward_contact(case)
    [sql] = [q["sql"] for q in captured.captured_queries if "relaying_network" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorting made dear: the planner takes any index that gives the order, as it did
        # at scale when it expected the filter to pass often.
        for setting in ("enable_sort", "enable_seqscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaints_report_received_at" not in plan, plan
    assert "report_case_reporter_idx" in plan, plan
