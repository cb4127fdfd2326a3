"""Faults, counted (make test-services): a burst of reports with Redis stopped, a real
Celery worker killed mid-task, the DNS server timing out, every database connection cut
(what a PostgreSQL restart does to the application), the executor webhook failing.
Reports sent = stored = processed, measures carried out once, mail sent once.

The web side is a real server process and the workers real Celery workers, on the test
database (PostgreSQL). Redis for the first two is this test's own redis-server on a port
of this worktree, so it can be stopped without touching anyone else's.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone

from abusedesk.models import AuditEntry
from complaints.models import Reply, Report
from sanctions.choices import State
from sanctions.models import Execution, Transition
from tests.sanctions.conftest import case, isp, recommended, sanction  # noqa: F401  (fixtures)
from tests.services.conftest import _database_url, wait_for
from tests.support.dnsserver import DnsTestServer
from tests.support.smtpsink import SmtpSink

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# This worktree's ports are 8110-8119; a session with another range sets ABUSEDESK_TEST_PORT_BASE.
PORT_BASE = int(os.environ.get("ABUSEDESK_TEST_PORT_BASE", "8110"))
REDIS_PORT, WEB_PORT, SMTP_PORT, HOOK_PORT = PORT_BASE + 4, PORT_BASE + 5, PORT_BASE + 6, PORT_BASE + 7
# The issue asks for bursts of 1,000; through one development server on two shared cores
# that takes minutes, so the suite's default is the size that keeps each test near a
# minute. ABUSEDESK_FAULT_BURST=1000 runs the full size (README quotes both runs).
BURST = int(os.environ.get("ABUSEDESK_FAULT_BURST", "200"))
CLIENTS = 8
FIGURES = []


def _figure(**row):
    FIGURES.append(row)
    print("\nFAULT FIGURES", json.dumps(row))


class Stack:
    """Own redis-server, a web server and Celery workers, all on the test database."""

    def __init__(self, tmp_path: Path):
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.tmp = tmp_path
        self.queue = f"faults-{uuid.uuid4().hex[:10]}"
        self.redis = self.web = self.worker = None
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("CACHE_URL", "EMAIL_BACKEND", "ABUSEDESK_EXECUTOR", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/1",
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            ABUSEDESK_DNS_SERVERS="127.0.0.1:9",
            ABUSEDESK_DNS_TIMEOUT_MS="100",
            ABUSEDESK_RECOVERY_CHECK_SECONDS="0",  # the test runs the recovery itself, and counts
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(SMTP_PORT),
            PYTHONUNBUFFERED="1",
        )

    def _spawn(self, name, args):
        log = (self.tmp / f"{name}.log").open("ab")
        return subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_redis(self):
        self.redis = self._spawn(
            "redis",
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=REDIS_PORT, db=1)
        assert wait_for(lambda: _pings(client), timeout=10), "redis-server did not start"

    def stop_redis(self):
        _stop(self.redis)
        self.redis = None

    def start_web(self):
        self.web = self._spawn(
            "web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"]
        )
        assert wait_for(_web_up, timeout=30), (self.tmp / "web.log").read_text()[-2000:]

    def start_worker(self):
        from abusedesk.queues import KINDS

        # Every kind's queue (abusedesk/queues.py: "<queue>.<kind>") and the unrouted one.
        queues = ",".join([self.queue, *(f"{self.queue}.{kind}" for kind in KINDS)])
        self.worker = self._spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "abusedesk", "worker", "-P", "solo", "-Q", queues,
             "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "INFO"],
        )
        log = self.tmp / "worker.log"
        assert wait_for(lambda: b"ready." in log.read_bytes(), timeout=30), log.read_text()[-2000:]

    def kill_worker(self):
        """SIGKILL: no warm shutdown, the task it holds is cut off where it stands."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.worker = None

    def recover(self) -> str:
        """What beat's sweep does every minute, on demand."""
        done = subprocess.run(
            [sys.executable, "manage.py", "recover_stale_work", "--older-than", "0"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    def web_errors(self) -> str:
        """The web server's last traceback, for a failure message."""
        log = (self.tmp / "web.log").read_text(errors="replace")
        at = log.rfind("Traceback")
        return log[at : at + 4000] if at >= 0 else ""

    def close(self):
        for proc in (self.worker, self.web):
            _stop(proc)
        self.stop_redis()


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def _web_up() -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{WEB_PORT}/accounts/login/", timeout=2)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _stop(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    yield s
    s.close()


@pytest.fixture
def partner_key(transactional_db):
    from complaints.services.partners import partner_create

    return partner_create(name="Burst ISP", contact_email="abuse@burst.example", rate_limit="100000/min")


ERRORS: list[str] = []


def _file(key: str, i: int, run: str) -> int:
    body = json.dumps(
        {
            "source_ip": f"198.51.{100 + i // 250 % 4}.{i % 250 + 1}",
            "occurred_at": "2026-11-20T05:00:00Z",
            "category": "spam",
            "message": f"Subject: burst {run} {i}\n\nspam number {i} http://pills{i % 50}.example.net/\n",
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{WEB_PORT}/api/v1/reports/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        ERRORS.append(exc.read()[:3000].decode("utf-8", "replace"))
        return exc.code
    except OSError as exc:
        ERRORS.append(repr(exc))
        return 0  # the connection itself failed: counted, never silently retried


def _burst(key: str, n: int) -> tuple[dict[int, int], float]:
    run = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        codes = list(pool.map(lambda i: _file(key, i, run), range(n)))
    counted: dict[int, int] = {}
    for code in codes:
        counted[code] = counted.get(code, 0) + 1
    return counted, time.monotonic() - started


def _processed(partner) -> int:
    return Report.objects.filter(partner=partner, attributed_at__isnull=False).exclude(status="received").count()


def test_a_burst_with_redis_stopped_is_stored_processed_and_finished_once_redis_is_back(stack, partner_key):
    partner, key = partner_key
    stack.start_web()  # Redis is not running: every enqueue fails
    codes, elapsed = _burst(key, BURST)
    stored = Report.objects.filter(partner=partner).count()
    parsed = Report.objects.filter(partner=partner).exclude(status="received").count()
    assert codes == {201: BURST}, (codes, stack.web_errors() or ERRORS[:1])
    assert stored == BURST and parsed == BURST

    stack.start_redis()
    stack.start_worker()
    rounds = 0
    while _processed(partner) < BURST and rounds < 20:
        stack.recover()
        rounds += 1
        wait_for(lambda: _processed(partner) == BURST, timeout=15)
    processed = _processed(partner)
    _figure(fault="redis stopped during the burst", sent=BURST, stored=stored, processed=processed,
            http_5xx=sum(n for c, n in codes.items() if c >= 500), seconds=round(elapsed, 1))
    assert processed == BURST
    assert not Report.objects.filter(partner=partner, status="received").exists()


def test_a_worker_killed_mid_task_loses_nothing_and_mails_once(stack, partner_key):
    partner, key = partner_key
    # One message per report (no intake drains, as with another broker): the worker is
    # killed with the burst's messages in flight. A drain killed mid-way is the next test.
    stack.env["ABUSEDESK_INTAKE_DRAINS"] = "0"
    sink = SmtpSink(port=SMTP_PORT).start()
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_worker()
        n = max(BURST // 5, 50)
        codes, elapsed = _burst(key, n)
        # With workers the API stores and answers 202; processing follows in the worker.
        assert codes == {202: n}, (codes, stack.web_errors() or ERRORS[:1])
        assert wait_for(lambda: Report.objects.filter(partner=partner).exclude(case=None).exists(), timeout=60)
        # Replies owed to 20 complainants, handed to the worker twice over (the sweep and a
        # redelivery can both do that): each must arrive, once unless the kill fell between
        # the SMTP server's acceptance and the worker's record of it.
        case_id = Report.objects.filter(partner=partner).exclude(case=None).values_list("case_id", flat=True)[0]
        earlier = timezone.now() - timedelta(minutes=5)
        Reply.objects.bulk_create(
            Reply(case_id=case_id, to=f"person{i}@receiver.example", template="investigating",
                  requested_at=earlier)
            for i in range(20)
        )
        stack.recover()
        stack.recover()
        # The worker is busy with the burst's follow-ups (evidence waits on DNS): kill it.
        assert _processed(partner) < n, "the worker finished before it could be killed"
        stack.kill_worker()
        # A reply the worker had claimed when it died is owed again once its claim's
        # lease has run out (30 minutes): let that time pass for the claims it held.
        from abusedesk.mail import CLAIM_LEASE

        cut_off = set(Reply.objects.filter(sent_at=None, claimed_at__isnull=False).values_list("to", flat=True))
        Reply.objects.filter(sent_at=None, claimed_at__isnull=False).update(
            claimed_at=F("claimed_at") - CLAIM_LEASE
        )
        stack.start_worker()
        rounds = 0
        while (_processed(partner) < n or Reply.objects.filter(sent_at=None).exists()) and rounds < 20:
            stack.recover()
            rounds += 1
            wait_for(lambda: _processed(partner) == n and not Reply.objects.filter(sent_at=None).exists(),
                     timeout=15)
        processed = _processed(partner)
        recipients = [rcpt for _, rcpts, _ in sink.messages for rcpt in rcpts]
        _figure(fault="worker killed mid-task", sent=n, stored=Report.objects.filter(partner=partner).count(),
                processed=processed, http_5xx=sum(v for c, v in codes.items() if c >= 500),
                mail_owed=20, mail_sent=len(recipients), seconds=round(elapsed, 1))
        assert processed == n
        assert sorted(set(recipients)) == sorted(f"person{i}@receiver.example" for i in range(20))
        # SMTP cannot make a send exactly once: a reply the worker was cut off sending may
        # have been taken already and goes again. Only those, once more, with the same
        # Message-ID, so the recipient's mail drops the copy.
        copies = {}
        for _, rcpts, data in sink.messages:
            for rcpt in rcpts:
                copies.setdefault(rcpt, []).append(email.message_from_bytes(data)["Message-ID"])
        twice = {rcpt for rcpt, ids in copies.items() if len(ids) > 1}
        assert twice <= cut_off, (twice, cut_off)
        assert all(len(ids) <= 2 and len(set(ids)) == 1 for ids in copies.values()), copies
    finally:
        sink.stop()


def test_a_worker_killed_mid_drain_loses_nothing_and_processes_each_report_once(stack, partner_key):
    """The burst is stored while no worker runs (the drains' messages wait in Redis); the
    worker is killed as soon as its drain has processed a few, cutting off the report it
    holds in its transaction. The drains still queued, and the recovery, finish the rest;
    none is processed twice."""
    partner, key = partner_key
    stack.start_redis()
    stack.start_web()
    codes, elapsed = _burst(key, BURST)
    assert codes == {202: BURST}, (codes, stack.web_errors() or ERRORS[:1])
    stack.start_worker()
    assert wait_for(lambda: _processed(partner) > 0, timeout=60, interval=0.02)
    stack.kill_worker()
    cut_off = _processed(partner)
    assert cut_off < BURST, "the drain finished before it could be killed"
    stack.start_worker()
    rounds = _all_processed(stack, partner, BURST)
    processed = _processed(partner)
    _figure(fault="worker killed mid-drain", sent=BURST, stored=Report.objects.filter(partner=partner).count(),
            processed=processed, processed_before_the_kill=cut_off, recovery_rounds=rounds,
            seconds=round(elapsed, 1))  # fmt: skip
    assert processed == BURST
    ids = [str(pk) for pk in Report.objects.filter(partner=partner).values_list("pk", flat=True)]
    parsed = AuditEntry.objects.filter(action="report.parsed", object_id__in=ids)
    assert parsed.count() == BURST  # one parse recorded per report: none processed twice


def _all_processed(stack, partner, n: int) -> int:
    """Run the sweep until every report is processed (or 20 rounds); returns the rounds."""
    rounds = 0
    while _processed(partner) < n and rounds < 20:
        stack.recover()
        rounds += 1
        wait_for(lambda: _processed(partner) == n, timeout=15)
    return rounds


def test_a_dns_server_timing_out_during_a_burst_is_recorded_and_the_sweep_fills_in_later(stack, partner_key):
    """The loopback DNS server stops answering (every question dropped, the resolver's
    100 ms timeout runs out) while a burst of reports comes in with evidence collection
    on. Every report is stored and attributed, each question is kept as a `timeout`
    evidence row, no request fails; once the server answers again the evidence sweep
    asks again for the reports that got no answer, and keeps the timeout rows."""
    from complaints.models import Evidence

    partner, key = partner_key
    dns = DnsTestServer({(f"pills{i}.example.net", "A"): [f"192.0.2.{i + 1}"] for i in range(50)}).start()
    dns.silent = True
    stack.env.update(
        ABUSEDESK_DNS_SERVERS=f"127.0.0.1:{dns.port}",
        ABUSEDESK_DNS_TIMEOUT_MS="100",
        ABUSEDESK_DNSBL_ZONES="xbl.test:exploited",
        ABUSEDESK_COLLECT_EVIDENCE="true",
    )
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_worker()
        n = max(BURST // 5, 40)
        codes, elapsed = _burst(key, n)
        assert codes == {202: n}, (codes, stack.web_errors() or ERRORS[:1])
        mine = Report.objects.filter(partner=partner)
        rounds = _all_processed(stack, partner, n)
        evidence = Evidence.objects.filter(report__partner=partner)
        # Attribution runs in the processing task; the evidence follows on its own queue,
        # each question waiting out the resolver's timeout.
        wait_for(lambda: evidence.values("report").distinct().count() == n, timeout=90)
        with_rows = evidence.values("report").distinct().count()
        outcomes = set(evidence.values_list("outcome", flat=True))
        timeouts = evidence.filter(outcome="timeout").count()
        asked_while_silent = dns.queries
        assert _processed(partner) == n, mine.values_list("status", flat=True)[:5]
        assert with_rows == n and outcomes == {"timeout"}, (with_rows, outcomes)
        assert asked_while_silent >= timeouts  # every timeout row is a question the server dropped

        dns.silent = False  # the server answers again; the sweep owes every report its evidence
        mine.update(received_at=timezone.now() - timedelta(minutes=10))  # past the sweep's 5-minute wait
        stack.recover()
        answered = evidence.exclude(outcome="timeout")
        wait_for(lambda: answered.values("report").distinct().count() == n, timeout=60)
        filled = answered.values("report").distinct().count()
        _figure(fault="DNS server timing out during the burst", sent=n, stored=mine.count(),
                processed=_processed(partner), http_5xx=sum(v for c, v in codes.items() if c >= 500),
                timeout_rows=timeouts, filled_in_by_sweep=filled, sweep_rounds=rounds, seconds=round(elapsed, 1))
        assert filled == n
        assert evidence.filter(outcome="timeout").count() == timeouts  # kept, never rewritten
        assert answered.filter(kind="a", outcome="answer").exists()
    finally:
        dns.stop()


def _file_retrying(key: str, i: int, run: str, failed: list[int]) -> int:
    """A partner's client: a 5xx or a dropped connection is retried with the same report."""
    for _attempt in range(6):
        code = _file(key, i, run)
        if code in (200, 201, 202):
            return code
        failed.append(code)
        time.sleep(0.5)
    return code


def test_every_database_connection_cut_during_a_burst_loses_nothing(stack, partner_key):
    """What a PostgreSQL restart does to the application, without restarting the shared
    server: three times during a burst every backend of the test database is terminated
    (`pg_terminate_backend` from a separate admin connection; only this test's own
    connection is spared), so the web server and the worker lose every open connection
    mid-request and mid-task. Django reconnects on the next request (CONN_HEALTH_CHECKS),
    the tasks retry on OperationalError, and a client retries a 5xx: sent = stored =
    processed, nothing stored twice. What is not simulated: the server refusing
    connections while it restarts."""
    import threading

    import psycopg
    from django.db import connection

    partner, key = partner_key
    connection.ensure_connection()
    spared = connection.connection.info.backend_pid
    s = connection.settings_dict
    admin = psycopg.connect(host=s.get("HOST") or "127.0.0.1", port=s.get("PORT") or 5432,
                            user=s.get("USER") or "root", dbname=s["NAME"], autocommit=True)
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    n = max(BURST // 2, 60)
    cuts: list[int] = []
    done = threading.Event()

    def cutter():
        for share in (0.25, 0.5, 0.75):
            while not done.is_set():
                stored = admin.execute(
                    "SELECT count(*) FROM complaints_report WHERE partner_id = %s", (partner.pk,)
                ).fetchone()[0]
                if stored >= n * share:
                    break
                time.sleep(0.05)
            if done.is_set():
                return
            cuts.append(admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                (spared,),
            ).fetchone()[0])

    thread = threading.Thread(target=cutter, daemon=True)
    failed: list[int] = []
    run = uuid.uuid4().hex[:8]
    started = time.monotonic()
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            finals = list(pool.map(lambda i: _file_retrying(key, i, run, failed), range(n)))
        elapsed = time.monotonic() - started
    finally:
        done.set()
        thread.join(timeout=10)
        admin.close()
    mine = Report.objects.filter(partner=partner)
    stored = mine.count()
    rounds = _all_processed(stack, partner, n)
    # The worker's own encounters with a cut connection (a task's query or the audit seal
    # after a commit); its task retries are logged below the log level, so not counted here.
    worker_log = (stack.tmp / "worker.log").read_text(errors="replace")
    worker_hits = worker_log.count("terminating connection due to administrator command")
    _figure(fault="every database connection cut 3x during the burst", sent=n, stored=stored,
            processed=_processed(partner), connections_cut=cuts,
            http_5xx=sum(1 for c in failed if c >= 500), connection_errors=failed.count(0),
            answered_200_on_retry=finals.count(200), worker_errors_seen=worker_hits, sweep_rounds=rounds,
            seconds=round(elapsed, 1))
    assert len(cuts) == 3 and all(cuts), cuts  # each cut did drop connections
    assert set(finals) <= {200, 201, 202}, (finals, ERRORS[-1:])  # every report accepted in the end
    assert stored == n  # none lost, none stored twice
    assert _processed(partner) == n
    assert stack.worker.poll() is None  # the worker survived its connection being cut


@pytest.fixture
def worker_env():
    return {
        "ABUSEDESK_DNS_SERVERS": "127.0.0.1:9",
        "ABUSEDESK_DNS_TIMEOUT_MS": "200",
        "ABUSEDESK_EXECUTOR": "webhook",
        "ABUSEDESK_EXECUTOR_URL": f"http://127.0.0.1:{HOOK_PORT}/measures",
        "ABUSEDESK_EXECUTOR_SECRET": "faults-secret",
    }


def test_a_failing_executor_webhook_carries_the_measure_out_exactly_once(
    sanction, manager, settings, celery_worker  # noqa: F811
):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from complaints.tasks import sweep_reports
    from sanctions.services import sanction_transition
    from sanctions.tasks import run_execution

    applied: dict[str, int] = {}
    calls = []

    class Provisioning(BaseHTTPRequestHandler):
        """Down (503) for its first answer, then applies each instruction once per key."""

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(body["idempotency_key"])
            if len(calls) == 1:
                self.send_response(503)
            else:
                applied[body["idempotency_key"]] = applied.get(body["idempotency_key"], 0) + 1
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Provisioning)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ABUSEDESK_EXECUTOR = "webhook"
    settings.ABUSEDESK_EXECUTOR_URL = f"http://127.0.0.1:{HOOK_PORT}/measures"
    settings.ABUSEDESK_EXECUTOR_SECRET = "faults-secret"
    try:
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="ok")
        execution = Execution.objects.get(sanction=sanction)
        run_execution.delay(execution.pk)  # a redelivered task on top of the one the decision queued
        sweep_reports.delay()  # and the sweep
        done = wait_for(
            lambda: Execution.objects.filter(pk=execution.pk, status="confirmed").exists(), timeout=90
        )
        time.sleep(2)  # let any duplicate still in the queue run
    finally:
        server.shutdown()
        server.server_close()
    assert done, Execution.objects.get(pk=execution.pk).__dict__
    sanction.refresh_from_db()
    carried = Transition.objects.filter(sanction=sanction, to_state=State.CARRIED_OUT).count()
    _figure(fault="executor webhook failing (503 first)", webhook_calls=len(calls),
            executions=Execution.objects.filter(sanction=sanction).count(), carried_out=carried)
    assert sanction.state == State.CARRIED_OUT
    assert carried == 1 and Execution.objects.filter(sanction=sanction).count() == 1
    assert set(calls) == {execution.idempotency_key}  # every call the same instruction, same key
