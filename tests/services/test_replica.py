"""Reads of the pages that only read from a read replica (REPLICA_DATABASE_URL);
writes and every other read from the primary.

The replica tests run when REPLICA_DATABASE_URL is set (make test-services sets it):
the `replica` alias is a TEST MIRROR of `default`, so it reads the test database
through its own connection and sees what the test committed.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections, transaction

from abusedesk.replica import PIN_COOKIE, ReplicaRouter, replica_reads
from complaints.models import Case
from tests.abusedesk.test_settings import run_manage
from tests.personas import token_client
from tests.sanctions import factories
from tests.sanctions.conftest import isp, recommended  # noqa: F401  (fixtures)

needs_replica = pytest.mark.skipif(
    "replica" not in settings.DATABASES, reason="set REPLICA_DATABASE_URL (make test-services does)"
)
on_both = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

PG = "postgres://root@127.0.0.1:5432"


def test_the_replica_alias_comes_from_its_variable_and_mirrors_default_in_tests():
    code = (
        "from django.conf import settings; r = settings.DATABASES['replica']; "
        "print(r['NAME'], r['TEST']['MIRROR'], settings.DATABASE_ROUTERS)"
    )
    result = run_manage("shell", "-c", code, DATABASE_URL=f"{PG}/desk", REPLICA_DATABASE_URL=f"{PG}/desk_ro")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.split()[:2] == ["desk_ro", "default"] and "abusedesk.replica.ReplicaRouter" in last


def test_a_bad_or_mismatched_replica_url_stops_start_up_naming_the_variable():
    bad = run_manage("check", DATABASE_URL=f"{PG}/desk", REPLICA_DATABASE_URL="nosuchdb://x")
    assert bad.returncode != 0 and "REPLICA_DATABASE_URL" in bad.stderr
    mismatch = run_manage("check", REPLICA_DATABASE_URL=f"{PG}/desk_ro")  # SQLite primary
    assert mismatch.returncode != 0 and "same kind of database" in mismatch.stderr


@pytest.mark.skipif("replica" in settings.DATABASES, reason="a replica is configured")
def test_without_a_replica_every_read_goes_to_default():
    with replica_reads():
        assert ReplicaRouter().db_for_read(Case) == "default"


class Queries:
    """Statements per alias while the block runs."""

    def __init__(self):
        self.by_alias = {"default": [], "replica": []}
        self._wrappers = []

    def __enter__(self):
        for alias, found in self.by_alias.items():
            wrapper = connections[alias].execute_wrapper(
                lambda execute, sql, params, many, context, found=found: (
                    found.append(sql) or execute(sql, params, many, context)
                )
            )
            wrapper.__enter__()
            self._wrappers.append(wrapper)
        return self

    def __exit__(self, *exc):
        for wrapper in reversed(self._wrappers):
            wrapper.__exit__(*exc)

    def on(self, alias: str, table: str) -> int:
        return sum(table in sql for sql in self.by_alias[alias])


@needs_replica
@on_both
def test_the_router_picks_the_replica_only_for_marked_reads_outside_transactions():
    router = ReplicaRouter()
    assert router.db_for_read(Case) == "default"
    with replica_reads():
        assert router.db_for_read(Case) == "replica"
        assert router.db_for_write(Case) == "default"
        with transaction.atomic():  # a service that reads then writes sees its own writes
            assert router.db_for_read(Case) == "default"
    assert router.allow_migrate("replica", "complaints") is False
    assert router.allow_migrate("default", "complaints") is True


@pytest.fixture
def desk(isp, recommended, staff, manager):  # noqa: F811
    case = factories.case_from_reports()
    factories.propose(case, staff)
    return case


@needs_replica
@on_both
def test_queues_dashboards_and_dossiers_read_from_the_replica(
    desk, staff_client, manager_client, staff_token
):
    api = token_client(staff_token)
    sanction = desk.sanctions.get()
    report = desk.reports.order_by("pk").first()
    pages = [
        (staff_client, "/cases/", "complaints_case", desk.subject),
        (staff_client, "/reports/", "complaints_report", report.reference),
        (staff_client, "/", "complaints_case", desk.subject),
        (manager_client, "/dashboard/", "complaints_case", "<table"),
        (manager_client, "/sanctions/review/", "sanctions_sanction", sanction.reference),
        (staff_client, f"/sanctions/cases/{desk.pk}/dossier/", "complaints_report", report.reference),
        (api, "/api/v1/cases/", "complaints_case", desk.subject),
    ]
    for client, url, table, shown in pages:
        with Queries() as q:
            response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.content.decode(), url
        assert q.on("replica", table) > 0, url
        assert q.on("default", table) == 0, (url, q.by_alias["default"])


@needs_replica
@on_both
def test_pages_that_work_a_case_and_writes_stay_on_the_primary(desk, staff_client):
    with Queries() as q:
        assert staff_client.get(f"/cases/{desk.pk}/").status_code == 200
    assert q.by_alias["replica"] == []
    with Queries() as q:
        response = staff_client.post("/cases/bulk/", {"cases": [desk.pk], "action": "assign_me"})
    assert response.status_code == 302 and q.by_alias["replica"] == []
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    # Right after its write the browser reads the queue from the primary (replication lag).
    with Queries() as q:
        assert staff_client.get("/cases/?assignee=me").status_code == 200
    assert q.by_alias["replica"] == [] and q.on("default", "complaints_case") > 0
