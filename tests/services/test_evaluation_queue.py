"""A burst of changes to one case queues one evaluation at a time (make test-services).

Each report grouped into or attributed to a case announces a change. With a broker, a
change queues the case's evaluation only when none is waiting for it; the queued one
sees every change committed before it starts. These tests run against Redis (the
queue's messages are counted there) and, for the burst, a real worker.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from complaints.models import Case
from complaints.services.partners import partner_create
from sanctions.models import QueuedEvaluation
from sanctions.services.recommend import QUEUED_EVALUATION_EXPIRY, evaluations_queue
from sanctions.tasks import refresh_case_recommendation
from tests.complaints.samples import spam
from tests.personas import token_client
from tests.services.conftest import wait_for

pytestmark = [pytest.mark.services]
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def own_queue():
    """Tasks sent by this test go to queues of its own, which no worker consumes."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("CELERY_BROKER_URL is not a Redis URL (make test-services)")
    import redis

    from abusedesk.celery import app
    from abusedesk.queues import INTAKE, queue_name

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    name = queue_name(INTAKE, app=app)
    try:
        yield lambda: [json.loads(m) for m in client.lrange(name, 0, -1)]
    finally:
        app.conf.task_default_queue = previous
        client.delete(name, f"_kombu.binding.{name}")


def _case(key: str = "ip:198.51.100.77") -> Case:
    return Case.objects.create(key=key, kind="address", subject=key.removeprefix("ip:"))


@pytest.mark.django_db
def test_a_case_changed_again_while_its_evaluation_waits_queues_no_second_one(own_queue):
    case, other = _case(), _case("ip:198.51.100.78")
    assert evaluations_queue([case.pk]) == [case.pk]
    assert evaluations_queue([case.pk]) == []
    assert evaluations_queue([case.pk, other.pk]) == [other.pk]
    messages = own_queue()
    assert len(messages) == 2
    assert {(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages} == {
        ("sanctions.tasks.refresh_case_recommendation", f"({pk},)") for pk in (case.pk, other.pk)
    }
    # The queued evaluation runs: it takes its marker first, evaluates, and the next
    # change queues the next one.
    refresh_case_recommendation(case.pk)
    assert not QueuedEvaluation.objects.filter(case_id=case.pk).exists()
    case.refresh_from_db()
    assert case.recommended_at is not None and case.recommendation
    assert evaluations_queue([case.pk]) == [case.pk]
    assert len(own_queue()) == 3


@pytest.mark.django_db
def test_a_case_evaluated_moments_ago_is_evaluated_again_when_its_interval_is_up(own_queue, settings):
    from datetime import datetime

    settings.ABUSEDESK_EVALUATION_INTERVAL_SECONDS = 10
    fresh, evaluated, long_ago = _case(), _case("ip:198.51.100.78"), _case("ip:198.51.100.79")
    now = timezone.now()
    Case.objects.filter(pk=evaluated.pk).update(recommended_at=now - timedelta(seconds=4))
    Case.objects.filter(pk=long_ago.pk).update(recommended_at=now - timedelta(minutes=5))
    assert evaluations_queue([fresh.pk, evaluated.pk, long_ago.pk]) == sorted([fresh.pk, evaluated.pk, long_ago.pk])
    etas = {m["headers"]["argsrepr"]: m["headers"]["eta"] for m in own_queue()}
    assert etas[f"({fresh.pk},)"] is None and etas[f"({long_ago.pk},)"] is None  # at once
    due = datetime.fromisoformat(etas[f"({evaluated.pk},)"])
    assert 5 <= (due - now).total_seconds() <= 7  # ten seconds after its last evaluation
    # Changed again meanwhile: its waiting evaluation stands for the change.
    assert evaluations_queue([evaluated.pk]) == []
    settings.ABUSEDESK_EVALUATION_INTERVAL_SECONDS = 0
    Case.objects.filter(pk=long_ago.pk).update(recommended_at=timezone.now())
    QueuedEvaluation.objects.filter(case_id=long_ago.pk).delete()  # its evaluation ran
    assert evaluations_queue([long_ago.pk]) == [long_ago.pk]
    etas = [m["headers"]["eta"] for m in own_queue() if m["headers"]["argsrepr"] == f"({long_ago.pk},)"]
    assert etas == [None, None]  # evaluated just now, and still queued at once


@pytest.mark.django_db
def test_an_evaluation_queued_too_long_ago_is_taken_as_lost(own_queue):
    case = _case()
    assert evaluations_queue([case.pk]) == [case.pk]
    QueuedEvaluation.objects.filter(case_id=case.pk).update(
        queued_at=timezone.now() - QUEUED_EVALUATION_EXPIRY - timedelta(seconds=1)
    )
    assert evaluations_queue([case.pk]) == [case.pk]
    assert evaluations_queue([case.pk]) == []
    assert len(own_queue()) == 2


@pytest.fixture
def worker_kinds():
    from abusedesk.queues import INTAKE

    return (INTAKE,)


@pytest.mark.django_db(transaction=True)
def test_a_burst_for_one_case_ends_evaluated_on_all_its_reports(celery_worker):
    """Thirty reports of one address filed at once: however the evaluations were merged,
    the case's last one comes after its last change, and nothing is left queued."""
    _, key = partner_create(name="Receiver")
    client = token_client(key)
    for n in range(30):
        raw = spam(at=AT + timedelta(seconds=n), message_id=f"<burst-{n}@pc.invalid>")
        assert client.post("/api/v1/reports/", data=raw, content_type="message/rfc822").status_code == 202

    def settled():
        case = Case.objects.filter(report_count=30).first()
        if case is None or case.attribution.get("reports_attributed") != 30:
            return None
        if case.recommended_at is None or case.recommended_at < case.facts_changed_at:
            return None
        return None if QueuedEvaluation.objects.exists() else case

    case = wait_for(settled, timeout=60)
    assert case is not None, list(Case.objects.values("report_count", "recommended_at", "facts_changed_at"))
    assert case.recommendation["facts"]
