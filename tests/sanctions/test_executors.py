"""Carrying out: the manual executor waits for a person; the webhook is signed and retried."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from abusedesk.errors import Conflict
from sanctions.choices import State
from sanctions.executors import SIGNATURE_HEADER, TIMESTAMP_HEADER
from sanctions.models import Execution
from sanctions.services import sanction_transition

pytestmark = pytest.mark.django_db
SECRET = "s3cret-shared-with-provisioning"


@pytest.fixture
def retrying_eagerly():
    """Eager tasks normally re-raise; a worker would retry. Let `apply` retry in place."""
    from abusedesk.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


class Provisioning(BaseHTTPRequestHandler):
    """The ISP's provisioning system: checks the signature, answers from a script."""

    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers[TIMESTAMP_HEADER]
        expected = (
            "sha256="
            + hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        valid = hmac.compare_digest(expected, self.headers[SIGNATURE_HEADER] or "")
        self.received.append(
            {"valid": valid, "body": json.loads(body), "key": self.headers["Idempotency-Key"]}
        )
        status = (self.answers.pop(0) if self.answers else 200) if valid else 401
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"ok": status == 200}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def provisioning(settings, retrying_eagerly):
    Provisioning.answers, Provisioning.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Provisioning)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ABUSEDESK_EXECUTOR = "webhook"
    settings.ABUSEDESK_EXECUTOR_URL = f"http://127.0.0.1:{server.server_port}/measures"
    settings.ABUSEDESK_EXECUTOR_SECRET = SECRET
    yield Provisioning
    server.shutdown()
    server.server_close()


def approve(sanction, manager, capture):
    with capture(execute=True):
        return sanction_transition(
            sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok"
        )


def test_the_manual_executor_records_the_instruction_and_waits(
    sanction, manager, staff_client, django_capture_on_commit_callbacks
):
    approve(sanction, manager, django_capture_on_commit_callbacks)
    execution = Execution.objects.get(sanction=sanction)
    assert (execution.executor, execution.status, execution.action) == ("manual", "pending", "carry_out")
    assert execution.request["account_id"] == "C-3" and execution.request["level"] == "L3"
    sanction.refresh_from_db()
    assert sanction.state == State.APPROVED

    response = staff_client.post(
        f"/sanctions/{sanction.pk}/executions/{execution.pk}/confirm/",
        {"note": "port 25 exemption withdrawn"},
    )
    assert response.status_code == 302
    sanction.refresh_from_db()
    execution.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT and sanction.carried_out_at is not None
    assert execution.status == "confirmed" and execution.confirmed_note == "port 25 exemption withdrawn"
    assert sanction.transitions.last().reason == "port 25 exemption withdrawn"


def test_the_webhook_is_signed_retried_after_a_503_and_completes_the_measure(
    sanction, manager, provisioning, django_capture_on_commit_callbacks
):
    provisioning.answers = [503]
    approve(sanction, manager, django_capture_on_commit_callbacks)

    assert [r["valid"] for r in provisioning.received] == [True, True]
    first, second = provisioning.received
    assert first["body"] == second["body"]  # the same instruction, so a retry is safe
    assert first["key"] == first["body"]["idempotency_key"] == f"abusedesk-sanction-{sanction.pk}-carry_out"
    execution = Execution.objects.get(sanction=sanction)
    assert (execution.status, execution.attempts, execution.response_status) == ("confirmed", 2, 200)
    sanction.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT
    last = sanction.transitions.last()
    assert last.actor is None and last.actor_name == "system" and "HTTP 200" in last.reason


def test_a_refused_instruction_is_not_retried_and_waits_for_a_person(
    sanction, manager, provisioning, settings, django_capture_on_commit_callbacks
):
    settings.ABUSEDESK_EXECUTOR_SECRET = "not the shared secret"  # the server answers 401
    approve(sanction, manager, django_capture_on_commit_callbacks)
    execution = Execution.objects.get(sanction=sanction)
    assert (execution.status, execution.attempts, execution.response_status) == ("failed", 1, 401)
    sanction.refresh_from_db()
    assert sanction.state == State.APPROVED


def test_retries_give_up_after_the_configured_number(
    sanction, manager, provisioning, settings, django_capture_on_commit_callbacks
):
    settings.ABUSEDESK_EXECUTOR_MAX_RETRIES = 2
    provisioning.answers = [503, 503, 503, 503]
    approve(sanction, manager, django_capture_on_commit_callbacks)
    execution = Execution.objects.get(sanction=sanction)
    assert execution.status == "failed" and execution.attempts == 3 and "503" in execution.last_error


def test_lifting_goes_through_the_executor_too(
    sanction, staff, manager, provisioning, django_capture_on_commit_callbacks
):
    approve(sanction, manager, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sanction_transition(sanction_id=sanction.pk, to_state=State.NOTIFIED, actor=staff, reason="told")
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.LIFTED, actor=manager, reason="customer fixed the server"
        )
    lift = Execution.objects.get(sanction=sanction, action="lift")
    assert lift.status == "confirmed" and provisioning.received[-1]["body"]["action"] == "lift"


def test_the_webhook_completes_an_emergency_step(
    case, staff, provisioning, django_capture_on_commit_callbacks
):
    from . import factories

    sanction = factories.propose(case, staff, emergency=True)
    with django_capture_on_commit_callbacks(execute=True):
        factories.emergency_step(sanction, staff)
    sanction.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT and sanction.reviewed_at is None
    assert [r["body"]["action"] for r in provisioning.received] == ["carry_out"]
    assert sanction.transitions.last().actor is None  # confirmed by the provisioning system


def test_the_executor_never_carries_out_what_was_decided_otherwise_meanwhile(
    case, staff, manager, provisioning, django_capture_on_commit_callbacks
):
    from . import factories

    sanction = factories.propose(case, staff, emergency=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        factories.emergency_step(sanction, staff)  # the task waits in the queue ...
    sanction_transition(sanction_id=sanction.pk, to_state=State.REJECTED, actor=manager, reason="no flood")
    for callback in queued:  # ... and runs after the rejection
        callback()
    carry = Execution.objects.get(sanction=sanction, action="carry_out")
    assert "carry_out" not in [r["body"]["action"] for r in provisioning.received]
    assert carry.status == "failed" and "rejected" in carry.last_error
    sanction.refresh_from_db()
    assert sanction.state == State.REJECTED and sanction.carried_out_at is None


def test_a_case_closed_after_the_approval_stops_the_measure_on_every_path(
    case, staff, manager, provisioning, staff_client, django_capture_on_commit_callbacks
):
    """Closed as a joe job, a duplicate or done after the manager approved: the queued
    instruction never reaches the provisioning system, and nobody records it as carried out."""
    from complaints.services.triage import case_close

    from . import factories

    sanction = factories.propose(case, staff)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok")
    case_close(case_ids=[case.pk], resolution="no_action", actor=staff, reason="the customer left")
    for callback in queued:  # the worker runs the instruction after the close
        callback()
    carry = Execution.objects.get(sanction=sanction, action="carry_out")
    assert provisioning.received == []
    assert carry.status == "failed" and "closed" in carry.last_error

    response = staff_client.post(
        f"/sanctions/{sanction.pk}/executions/{carry.pk}/confirm/", {"note": "done by hand"}, follow=True
    )
    assert "The case is closed" in response.content.decode()  # the page says why
    sanction.refresh_from_db()
    assert sanction.state == State.APPROVED and sanction.carried_out_at is None
    with pytest.raises(Conflict):
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="did it anyway"
        )


def test_with_automatic_execution_the_proposer_alone_cannot_carry_out_an_l4_emergency(
    mail_case, staff, other_staff, recommended, provisioning, django_capture_on_commit_callbacks
):
    """Point 6 of the emergency rule: nobody proposes, carries out and confirms an L4 or
    higher measure alone. The webhook's system confirms by itself, so the step is
    another person's."""
    from abusedesk.errors import PermissionDenied

    from . import factories

    recommended(level="L4", approval="manager")
    sanction = factories.propose(mail_case, staff, level="L4", emergency=True, account=factories.mail_account())
    with pytest.raises(PermissionDenied):
        factories.emergency_step(sanction, staff)
    assert provisioning.received == [] and not Execution.objects.filter(sanction=sanction).exists()
    with django_capture_on_commit_callbacks(execute=True):
        factories.emergency_step(sanction, other_staff)
    sanction.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT
