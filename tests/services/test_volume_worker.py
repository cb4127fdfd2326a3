"""The volume detection's periodic task on a real worker (PostgreSQL + Redis), and two
detections of the same hours at once: one case, one evidence row per login and hour."""

import random
import threading

import pytest
from django.db import connection

from complaints.models import Case, Evidence
from prevention.models import VolumeWindow
from prevention.tasks import detect_mail_volume
from subscribers.signals import maillog_imported
from tests.prevention import maillog as gen
from tests.services.conftest import wait_for
from tests.subscribers.commands import run_command
from tests.subscribers.factories import AccountFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def imported_without_detection(tmp_path, monkeypatch):
    rng = random.Random(5)
    log = gen.Log()
    gen.normal_senders(log, rng, count=30, hours=3)
    gen.plant_burst(log, rng, "burst01", 1)
    gen.plant_burst(log, rng, "burst01", 2)  # two hours of one login: one case
    gen.plant_stolen_password(log, rng, "stolen01", 2)
    for login in ("burst01", "stolen01"):
        AccountFactory(kind="mail", identifier=login, account_id=f"M-{login}")
    path = tmp_path / "mail.log"
    path.write_text(log.text())
    monkeypatch.setattr(maillog_imported, "receivers", [])
    maillog_imported.sender_receivers_cache.clear()
    run_command("import_maillog", path)


def test_the_beat_task_on_a_real_worker_finds_the_planted_logins(celery_worker, imported_without_detection):
    detect_mail_volume.delay()
    assert wait_for(lambda: VolumeWindow.objects.filter(case__isnull=False).count() == 3)
    assert set(VolumeWindow.objects.values_list("login", flat=True)) == {"burst01", "stolen01"}


def test_two_detections_at_once_record_each_login_hour_once(imported_without_detection):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    from datetime import UTC, datetime

    from prevention.services.volume import hours_between, volume_detect

    hours = hours_between(datetime(2026, 11, 20, 0, tzinfo=UTC), datetime(2026, 11, 20, 3, tzinfo=UTC))
    errors = []

    def run():
        try:
            volume_detect(hours=hours)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert VolumeWindow.objects.count() == 3
    assert Case.objects.filter(key__startswith="telemetry:").count() == 2
    assert Evidence.objects.filter(kind="mail_volume").count() == 3
    assert Evidence.objects.filter(case__key="telemetry:burst01").count() == 2
