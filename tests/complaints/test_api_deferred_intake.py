"""The partner API with intake workers (a broker configured): store, queue, answer 202.

The queued processing runs here by executing the on-commit callbacks with tasks
in-process; tests/services/test_deferred_intake.py runs it through a real worker.
"""

import json
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from abusedesk.audit import audit_verify
from abusedesk.models import AuditEntry
from complaints.models import Report
from complaints.services.recovery import stale_work_find
from tests.complaints.samples import spam
from tests.personas import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def workers():
    """Tasks go to a broker (the in-memory one of the test settings): the API defers."""
    from abusedesk.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


def run_queued(callbacks, capture):
    """What the intake worker does with the queued message: run it (in-process here),
    with what it queues in turn (attribution, evidence)."""
    from abusedesk.celery import app

    app.conf.task_always_eager = True
    with capture(execute=True):
        for callback in callbacks:
            callback()
    app.conf.task_always_eager = False


def post_message(client, raw: bytes, **headers):
    return client.post(URL, data=raw, content_type="message/rfc822", **headers)


def test_a_report_is_stored_answered_202_and_processed_by_the_queued_task(
    partner, workers, django_capture_on_commit_callbacks
):
    client = token_client(partner[1])
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_message(client, spam(at=AT))
    assert response.status_code == 202, response.content
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert body["status"] == "received" and body["reference"] == report.reference
    assert body["url"] == f"http://testserver/api/v1/reports/{report.pk}/"
    assert response["Location"] == body["url"]
    # Stored durably with its digest and its audit entry; not parsed yet.
    assert report.status == "received" and report.raw_sha256 and report.source_ip is None
    assert AuditEntry.objects.filter(action="report.received", object_id=str(report.pk)).count() == 1
    assert not AuditEntry.objects.filter(action="report.parsed").exists()
    # The URL shows the status until the worker has processed it.
    assert client.get(body["url"]).json()["status"] == "received"

    received = AuditEntry.objects.get(action="report.received", object_id=str(report.pk))
    assert received.seq is None  # chained by the worker's seal, not in the request

    run_queued(callbacks, django_capture_on_commit_callbacks)
    shown = client.get(body["url"]).json()
    assert shown["status"] == "parsed" and shown["source_ip"] == "198.51.100.23"
    received.refresh_from_db()
    assert received.seq is not None and audit_verify().first_broken is None
    report.refresh_from_db()
    assert report.case_id is not None and report.attributed_at is not None


def test_resending_while_queued_answers_200_with_the_same_report(partner, workers):
    client = token_client(partner[1])
    first = post_message(client, spam(at=AT))
    again = post_message(client, spam(at=AT))
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1


def test_an_idempotency_key_never_creates_a_second_deferred_report(partner, workers):
    client = token_client(partner[1])
    first = post_message(client, spam(at=AT), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_message(client, spam(at=AT, subject="Edited"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "received"
    assert Report.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.received").count() == 1


def test_the_short_form_is_read_back_from_the_stored_bytes_by_the_worker(
    partner, workers, django_capture_on_commit_callbacks
):
    client = token_client(partner[1])
    form = {"source_ip": "198.51.100.7", "occurred_at": "2026-11-20T14:30:05+09:00", "category": "phishing"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(URL, data=json.dumps(form), content_type="application/json")
    assert response.status_code == 202, response.content
    run_queued(callbacks, django_capture_on_commit_callbacks)
    shown = client.get(response["Location"]).json()
    assert shown["status"] == "parsed" and shown["format"] == "form"
    assert shown["source_ip"] == "198.51.100.7" and shown["category"] == "phishing"
    assert datetime.fromisoformat(shown["occurred_at"]) == AT


def test_bad_input_is_refused_before_anything_is_stored(partner, workers, settings):
    client = token_client(partner[1])
    bad = client.post(
        URL, data=json.dumps({"source_ip": "x", "occurred_at": "now"}), content_type="application/json"
    )
    settings.ABUSEDESK_MAX_REPORT_BYTES = 100
    large = post_message(client, spam(at=AT))
    assert bad.status_code == 400 and large.status_code == 413
    assert Report.objects.count() == 0 and not AuditEntry.objects.filter(action="report.received").exists()


def test_a_partner_cannot_read_another_partners_deferred_report(partner, other_partner, workers):
    response = post_message(token_client(partner[1]), spam(at=AT))
    assert response.status_code == 202
    assert token_client(other_partner[1]).get(response["Location"]).status_code == 404


def test_a_lost_queue_message_is_found_by_the_recovery(partner, workers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # the message to the worker never runs
        response = post_message(token_client(partner[1]), spam(at=AT))
    assert response.status_code == 202
    assert response.json()["id"] in stale_work_find(stale_seconds=-60)["process"]


def test_the_deferred_path_uses_few_queries_whatever_the_report(
    partner, workers, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """The token and its partner, the insert (the duplicate check) and its audit entry in
    one transaction (the worker seals the entry): the same handful of statements for
    a small message and a large one with many hops and URLs (processing them is the
    worker's). The in-process path takes ~46 in 5 transactions."""
    client = token_client(partner[1])
    hops = b"".join(
        b"Received: from h%d.example by mx.example; Fri, 20 Nov 2026 05:30:05 +0000\n" % i for i in range(50)
    )
    reports = [
        spam(at=AT, message_id="<warm-up@pc.invalid>"),
        spam(at=AT, message_id="<small@pc.invalid>"),
        hops + spam(at=AT, message_id="<large@pc.invalid>", url="http://a.example.net/ " * 500),
    ]
    counts = []
    for raw in reports:
        with django_assert_max_num_queries(7) as captured:  # the first also stamps the token
            with django_capture_on_commit_callbacks():  # the message to the worker is not sent here
                response = post_message(client, raw)
        assert response.status_code == 202, response.content
        counts.append(len(captured))
    # Two of them are the savepoint that stands for BEGIN/COMMIT inside the test's transaction.
    assert counts[1] == counts[2] <= 6, counts
    assert Report.objects.filter(status="received").count() == 3


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_unreachable_the_report_is_processed_at_once(partner, workers):
    """Nothing listens on the broker's port: the partner gets the result (201) as without one."""

    def forget_connections():
        workers._pool = None
        workers.amqp._producer_pool = None

    previous = workers.conf.broker_url, workers.conf.broker_write_url
    workers.conf.broker_url = workers.conf.broker_write_url = "redis://127.0.0.1:8179/7"
    forget_connections()
    try:
        response = post_message(token_client(partner[1]), spam(at=AT))
    finally:
        workers.conf.broker_url, workers.conf.broker_write_url = previous
        forget_connections()
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "parsed"
    assert Report.objects.get(pk=response.json()["id"]).case_id is not None


def test_the_schema_declares_202_with_its_location_beside_201():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"]["/api/v1/reports/"]["post"]["responses"]
    assert {"200", "201", "202"} <= responses.keys()
    assert "Location" in responses["202"]["headers"]
    accepted = responses["202"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][accepted]["properties"]) == {
        "id",
        "reference",
        "status",
        "url",
    }


def test_a_browser_filing_still_shows_its_result_at_once_with_workers(staff_client, workers):
    response = staff_client.post(
        "/reports/new/", {"kind": "message", "m-message": spam(at=AT).decode()}, follow=True
    )
    report = Report.objects.get()
    assert report.status == "parsed" and report.case_id is not None
    assert "198.51.100.23" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # as on a worker: no outer transaction holds the commits
def test_the_worker_task_attributes_the_report_itself_and_announces_its_case_once(
    partner, workers, django_capture_on_commit_callbacks
):
    """The processing task parses, groups and attributes in one go: the attribution never
    waits for a second message behind the intake queue's backlog. The case is announced
    (re-evaluation) once for both steps, and every entry of the report is chained."""
    from complaints.signals import case_changed
    from complaints.tasks import process_report

    with django_capture_on_commit_callbacks():  # the queued message is not delivered
        response = post_message(token_client(partner[1]), spam(at=AT))
    report = Report.objects.get(pk=response.json()["id"])
    announced = []

    def listener(sender, case_ids, **kwargs):
        announced.append(list(case_ids))

    case_changed.connect(listener)
    try:
        # The task's body, as the worker runs it; whatever it queues stays in the broker.
        process_report(report.pk)
    finally:
        case_changed.disconnect(listener)
    report.refresh_from_db()
    assert report.status == "parsed" and report.attributed_at is not None
    assert report.attribution["roles"]
    assert announced == [[report.case_id]]
    entries = AuditEntry.objects.filter(object_id=str(report.pk), object_type="complaints.report")
    assert {e.action for e in entries} >= {"report.received", "report.parsed", "report.grouped", "report.attributed"}
    assert all(e.seq is not None for e in entries) and audit_verify().first_broken is None
