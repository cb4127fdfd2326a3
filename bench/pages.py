"""Workload 4: queues and pages at BENCH_REPORTS (1 M) reports / BENCH_CASES (200 k) cases.

The data starts as `load_demo` (real cases, reports, sanctions, criteria made by the
real services) and is scaled up in SQL by cloning demo rows with generate_series,
so every column a later migration adds is carried along with its demo value. One
case gets BENCH_CASE_REPORTS (5,000) reports; BENCH_REVIEW (2,000) proposals wait
for review. The database is kept between runs when its sizes match (BENCH_FRESH=1
rebuilds it).

Each page is fetched through Django's test client in this process (server time, no
network) BENCH_PAGE_RUNS times or until BENCH_PAGE_BUDGET seconds, whichever comes
first; p50/p95 and the number of SQL statements of one fetch (after a first, uncounted
one) are reported. The
dashboard is measured twice: reading the figures its first view stored (what the beat
task keeps young) and recomputing them on every view ("dashboard recomputed").
"""

from __future__ import annotations

import gc
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    db_copy,
    db_exists,
    db_url,
    demo_template,
    django_setup,
    emit,
    loadavg,
    percentile,
    run_manage,
    say,
    size,
)

REPORTS = size("reports", 1_000_000, 750)
CASES = size("cases", 200_000, 150)
CASE_REPORTS = size("case_reports", 5_000, 100)
REVIEW = size("review", 2_000, 10)
RUNS = size("page_runs", 30, 3)
BUDGET = size("page_budget", 20.0, 5.0)
DB = "pages"
# The last word changes when what build() makes changes, so an older database is rebuilt.
MARK = f"bench-pages {REPORTS} {CASES} {CASE_REPORTS} {REVIEW} evaluated-facts"


def clone(model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """INSERT `count` copies of one row, with per-copy SQL expressions of g (1..count)."""
    from django.db import connection

    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(overrides) - set(columns)
    if unknown:
        raise RuntimeError(f"{table} has no column(s) {', '.join(sorted(unknown))}")
    names = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns).replace("%", "%%")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) "
            f"SELECT {select} FROM {table} t CROSS JOIN generate_series(1, %s) g WHERE t.id = %s",
            [count, template_pk],
        )


def build() -> None:
    from django.db import connection

    from complaints.models import Case, Report
    from sanctions.models import Sanction

    t0 = time.perf_counter()
    case = Case.objects.filter(status="open").exclude(recommendation=None).order_by("pk").first()
    report = Report.objects.filter(case=case).order_by("pk").first()
    sanction = Sanction.objects.order_by("pk").first()
    first_case = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    ip = "'10.' || (g / 65536) || '.' || (g / 256 % 256) || '.' || (g % 256)"
    account = "'C-' || lpad(g::text, 6, '0')"
    clone(Case, case.pk, CASES, {
        "key": "'bench:' || g",
        "subject": ip,
        "status": "CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'open' END",
        "created_at": "now() - g * interval '1 minute'",
        "last_activity_at": "now() - g * interval '1 minute'",
        "first_action_at": "CASE WHEN g % 4 = 0 THEN now() - g * interval '1 minute' END",
        "roles": "(ARRAY['[\"sending\"]', '[\"hosting\"]', '[\"not_ours\"]', '[\"receiving\"]', "
                 "'[\"sending\", \"hosting\"]'])[g % 5 + 1]::jsonb",
        "roles_text": "(ARRAY[',sending,', ',hosting,', ',not_ours,', ',receiving,', ',sending,hosting,'])[g % 5 + 1]",
        "sending_method": "(ARRAY['self_operated_server', 'hijacked_host', 'contracted_isp_server', "
                          "'other_isp_server', ''])[g % 5 + 1]",
        "accounts": f"jsonb_build_array({account})",
        "accounts_text": f"',' || {account} || ','",
        "evidence_level": "(ARRAY['E0', 'E1', 'E2'])[g % 3 + 1]",
        "recommended_level": "(ARRAY['L1', 'L2', 'L3'])[g % 3 + 1]",
        "recommended_at": "now()",
        "report_count": f"{REPORTS // CASES}",
    })  # fmt: skip
    big_case = first_case  # the clone of g = 1
    with connection.cursor() as cursor:
        # What the template case's evaluation read, for each copy (sanctions.models.EvaluatedFacts):
        # re-evaluation after a criteria edit starts from it, as it would for real cases.
        cursor.execute(
            "INSERT INTO sanctions_evaluatedfacts (case_id, read_at, facts) "
            "SELECT c.id, now(), t.facts FROM complaints_case c, sanctions_evaluatedfacts t "
            "WHERE t.case_id = %s AND c.id >= %s",
            [case.pk, first_case],
        )
    clone(Report, report.pk, REPORTS, {
        "raw": "'\\x78'::bytea",
        "raw_sha256": "md5(g::text) || md5('b' || g)",
        "size": "1",
        "reporter_key": "'email:r' || (g % 5000) || '@x.example'",
        "reporter": "'r' || (g % 5000) || '@x.example'",
        "message_id": "'m' || g || '@x.example'",
        "idempotency_key": "''",
        "source_ip": f"({ip.replace('g', f'(g % {CASES})')})::inet",
        "received_at": "now() - g * interval '1 second'",
        "case_id": f"CASE WHEN g <= {CASE_REPORTS} THEN {big_case} ELSE {first_case} + g % {CASES} END",
    })  # fmt: skip
    if sanction is not None:
        clone(Sanction, sanction.pk, REVIEW, {
            "case_id": f"{first_case} + (g * 97) % {CASES}",
            "created_at": "now() - g * interval '1 hour'",
        })  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("UPDATE complaints_case SET report_count = %s WHERE id = %s", [CASE_REPORTS, big_case])
        cursor.execute("CREATE TABLE bench_mark (mark text)")
        cursor.execute("INSERT INTO bench_mark VALUES (%s)", [MARK])
        for table in ("complaints_case", "complaints_report", "sanctions_sanction"):
            cursor.execute(f"ANALYZE {table}")
    say(
        f"  loaded {CASES:,} cases, {REPORTS:,} reports and {REVIEW:,} proposals in {time.perf_counter() - t0:.0f} s"
    )


def vacuum() -> None:
    """What autovacuum does in a deployment, done here because it may be off (it is on
    this project's machine): the reeval workload rewrites most open cases, and a later
    run's queue read the dead versions of those rows through every index (a filtered
    queue 119 → 237 ms at p95 with 154,701 dead rows in the case table)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("complaints_case", "complaints_report", "sanctions_sanction"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    say(f"  vacuumed and analysed the case, report and proposal tables in {time.perf_counter() - t0:.0f} s")


def ready() -> bool:
    if os.environ.get("BENCH_FRESH") == "1" or not db_exists(DB):
        return False
    import psycopg

    with psycopg.connect(db_url(DB)) as conn:
        try:
            row = conn.execute("SELECT mark FROM bench_mark").fetchone()
        except psycopg.Error:
            return False
        pending = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    return row is not None and row[0] == MARK and pending > 0


def measure(client, name: str, url: str) -> None:
    from django.db import connection

    # Counted with a wrapper: the test client's request_started signal resets
    # connection.queries, which empties CaptureQueriesContext.
    # The first fetch is not counted: it may carry the rate-limited recovery sweep that
    # runs after a response (abusedesk.afterresponse), hundreds of statements that are
    # not the page's.
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(url)
    times: list[float] = []
    collecting: list[float] = []  # ms in the garbage collector, per fetch
    load = loadavg()
    started = time.perf_counter()
    with _gc_clock() as clock:
        while len(times) < RUNS and (time.perf_counter() - started < BUDGET or len(times) < 3):
            clock[0] = 0.0
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            collecting.append(clock[0] * 1000)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    gc_p95 = percentile(collecting, 95)
    say(
        f"  {name:22s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {len(queries):3d} SQL  ({len(times)} runs; "
        f"GC p95 {gc_p95:.1f} ms)"
    )
    emit(
        "pages", name, p50_ms=p50, p95_ms=p95, sql=len(queries), runs=len(times), gc_p95_ms=gc_p95, load=load
    )


@contextmanager
def _gc_clock():
    """Seconds the cyclic garbage collector ran, summed into clock[0] (reset per fetch)."""
    clock = [0.0]
    began = [0.0]

    def callback(phase, info):
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            clock[0] += time.perf_counter() - began[0]

    gc.callbacks.append(callback)
    try:
        yield clock
    finally:
        gc.callbacks.remove(callback)


def main() -> None:
    fresh = not ready()
    url = db_url(DB)
    if fresh and db_exists("intake"):
        # The intake workload's database already holds the demo data: copying it is quicker.
        url = db_copy(DB, "intake")
        run_manage(url, "migrate", "--noinput")
    elif fresh:
        url = db_copy(DB, demo_template())
    django_setup(url)
    say(
        f"pages: {REPORTS:,} reports, {CASES:,} cases ({'built now' if fresh else 'kept from an earlier run'})"
    )
    if fresh:
        build()
    vacuum()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from abusedesk.startup import web_process_ready
    from complaints.models import Case, Report

    # As the WSGI module does in every web process.
    say(f"  start-up heap frozen: {web_process_ready():,} objects")
    User = get_user_model()
    staff, manager = Client(), Client()
    staff.force_login(User.objects.get(username="demo-staff"))
    manager.force_login(User.objects.get(username="demo-manager"))
    big = Case.objects.filter(key="bench:1").values_list("pk", flat=True).first()
    some_report = (
        Report.objects.filter(message_id=f"m{REPORTS // 2}@x.example").values_list("pk", flat=True).first()
    )
    pages = [
        ("queue default", staff, "/cases/"),
        ("queue filtered", staff, "/cases/?role=hosting&sending_method=hijacked_host&evidence_level=E2"),
        ("queue oldest untouched", staff, "/cases/?order=untouched"),
        ("search address", staff, "/cases/?q=10.0.12.34"),
        ("search account", staff, f"/cases/?q=C-{CASES // 3:06d}"),
        ("search message-id", staff, f"/cases/?q=m{REPORTS // 2}@x.example"),
        ("search report number", staff, f"/cases/?q=ADR-{some_report or 0:08d}"),
        (f"case page {CASE_REPORTS} reports", staff, f"/cases/{big}/"),
        ("review queue", manager, "/sanctions/review/"),
        ("dashboard", manager, "/dashboard/"),
    ]
    for name, client, page in pages:
        if name == "dashboard":
            client.get(page)  # stores the figures, so the counted fetch is the reading one
        measure(client, name, page)
    # The dashboard above reads the figures stored by its first view (what beat's
    # refresh_dashboard keeps young); this is the view that has to recompute them.
    from django.test import override_settings

    with override_settings(ABUSEDESK_DASHBOARD_MAX_AGE_SECONDS=0):
        measure(manager, "dashboard recomputed", "/dashboard/")


if __name__ == "__main__":
    main()
