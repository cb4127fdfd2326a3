"""Celery queues by kind (intake, evidence, mail, execution): every task has one, and a
worker started for one kind takes only that kind's tasks."""

from datetime import UTC, datetime

import pytest
import redis
import yaml
from django.conf import settings

from abusedesk.celery import app
from abusedesk.queues import KINDS, TASK_KINDS, all_queues, queue_name
from complaints.choices import Channel
from complaints.evidence.tasks import collect_evidence
from complaints.models import Evidence, Report
from complaints.tasks import sweep_reports
from tests.complaints.samples import spam
from tests.services.conftest import ROOT, wait_for


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_of_the_project_is_routed_to_its_kinds_queue():
    tasks = project_tasks()
    assert len(tasks) >= len(TASK_KINDS) > 0
    unrouted = sorted(name for name in tasks if name not in TASK_KINDS)
    assert not unrouted, f"give these tasks a queue kind in abusedesk/queues.py: {unrouted}"
    assert not set(TASK_KINDS) - tasks, "abusedesk/queues.py names tasks that do not exist"
    for name in tasks:
        route = app.amqp.router.route({}, name, task_type=app.tasks[name])
        assert route["queue"].name == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{TASK_KINDS[name]}"


def test_each_kind_has_tasks_and_a_prefixed_queue():
    assert set(TASK_KINDS.values()) == set(KINDS)
    assert all_queues() == [f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{kind}" for kind in KINDS]
    with pytest.raises(ValueError, match="unknown queue kind"):
        queue_name("dns")


def test_compose_runs_one_worker_service_per_queue_kind():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    consumed = {}
    for name, service in compose["services"].items():
        command = service.get("command") or ""
        if "celery" in command and " worker" in command:
            queues = command.split("-Q", 1)[1].split()[0].split(",") if "-Q" in command else []
            consumed[name] = queues
    assert sorted(q for qs in consumed.values() for q in qs) == sorted(f"abusedesk.{k}" for k in KINDS)
    assert all(len(qs) == 1 for qs in consumed.values()), consumed
    readme = (ROOT / "README.md").read_text()
    assert all(f"abusedesk.{kind}" in readme for kind in KINDS)


@pytest.fixture
def worker_kinds():
    return ["evidence"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_for_the_evidence_queue_takes_only_evidence_tasks(celery_worker):
    raw = spam(at=datetime(2026, 11, 20, 5, 30, tzinfo=UTC))
    report = Report.objects.create(
        raw=raw,
        raw_sha256="e" * 64,
        size=len(raw),
        content_type="message/rfc822",
        channel=Channel.MAILBOX,
        reporter_key="email:a@x.example",
        source_ip="192.0.2.44",
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    sweep_reports.delay()  # intake: would parse the stored report
    collect_evidence.delay(report.pk)  # evidence: asks the (dead) DNS, records the failures
    assert wait_for(lambda: Evidence.objects.filter(report=report).exists())
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert broker.llen(queue_name("evidence", app=celery_worker)) == 0
    assert broker.llen(queue_name("intake", app=celery_worker)) == 1  # still waiting for its worker
    assert Report.objects.get(pk=report.pk).status == "received"
