"""cProfile summaries of the hot paths, written to bench/results/profiles/<label>-<path>.txt.

    python bench/profiles.py [LABEL]

- intake: BENCH_PROFILE_REQUESTS (200) partner API posts through the test client, on a
  copy of the intake database (bench/intake.py must have run), broker configured;
- import_sessions / import_maillog: the command on a BENCH_PROFILE_LINES (5,000) line
  file, in the imports database (bench/imports.py must have run);
- pages: the queue's default page, a search and the big case page, on the pages database;
- worker: the intake worker's path for BENCH_PROFILE_REPORTS (300) stored reports (parse,
  group, attribute, recommend: every task a report causes, run in process), on a copy of
  the intake database (bench/intake.py must have run). Spread over 254 source addresses
  as in bench/intake.lua, so cases grow as they do in bench/pipeline.py.
  BENCH_PROFILE_EVALUATIONS=off leaves the cases' evaluations out.

Each file lists the functions by cumulative and by own time (top 40). Time spent
waiting for PostgreSQL shows as psycopg's execute (with BENCH_PROFILE_CLOCK=cpu, the
process's CPU time only: waits drop out).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datagen  # noqa: E402
from bench.common import BENCH, BROKER_URL, DB_PREFIX, db_copy, db_exists, db_url, django_setup, say, size  # noqa: E402

REQUESTS = size("profile_requests", 200, 20)
LINES = size("profile_lines", 5_000, 1_000)
REPORTS = size("profile_reports", 300, 30)
OUT = BENCH / "results" / "profiles"
# BENCH_PROFILE_CLOCK=cpu: time by the process's CPU clock, so waits (PostgreSQL, Redis,
# other sessions' load on a shared machine) drop out and what is left is our own work.
CPU_CLOCK = os.environ.get("BENCH_PROFILE_CLOCK", "wall") == "cpu"


def new_profile() -> cProfile.Profile:
    return cProfile.Profile(time.process_time) if CPU_CLOCK else cProfile.Profile()


def write(label: str, name: str, profile: cProfile.Profile, header: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    text.write(header + "\n\n")
    for order in ("cumulative", "tottime"):
        text.write(f"== by {order}\n")
        stats = pstats.Stats(profile, stream=text)
        stats.strip_dirs().sort_stats(order).print_stats(40)
    (OUT / f"{label}-{name}.txt").write_text(text.getvalue())
    say(f"  wrote {OUT / f'{label}-{name}.txt'}")


def intake(label: str) -> None:
    from django.test import Client

    from bench.intake import QUEUE, purge_queue
    from complaints.models import Partner
    from complaints.services.partners import partner_create

    partner, key = partner_create(
        name=f"profile-{int(time.time())}", contact_email="", rate_limit="1000000/min"
    )
    del partner
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    bodies = []
    for n in range(REQUESTS + 5):
        at = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        bodies.append(
            (
                f"Received: from pc-{n} (unknown [198.51.100.{n % 254 + 1}]) by mx.receiver.example (Postfix) "
                f"with ESMTP id P{n}; {at}\r\nFrom: Sale <sale@spammer.example>\r\nTo: victim@receiver.example\r\n"
                f"Subject: Offer {time.time()} {n}\r\nDate: {at}\r\nMessage-ID: <p{time.time()}.{n}@spammer.example>\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\n\r\nBuy now http://shop{n % 50}.spam.example/\r\n"
                + "cheap pills offer limited discount watches replica winner claim prize\r\n"
                * 40
            ).encode()
        )
    for body in bodies[:5]:  # warm-up: imports, caches, the connection
        client.post("/api/v1/reports/", data=body, content_type="message/rfc822")
    profile = new_profile()
    t0 = time.perf_counter()
    profile.enable()
    for body in bodies[5:]:
        response = client.post("/api/v1/reports/", data=body, content_type="message/rfc822")
        assert response.status_code in (201, 202), response.content[:200]
    profile.disable()
    elapsed = time.perf_counter() - t0
    purge_queue()
    del Partner, QUEUE
    write(
        label,
        "intake",
        profile,
        f"{REQUESTS} partner API posts in {elapsed:.1f} s ({elapsed / REQUESTS * 1000:.1f} ms each)",
    )


def spam(n: int, seed: str) -> bytes:
    """A ~3 KB spam like bench/intake.lua's (its source among 254 addresses)."""
    at = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    ident = f"{seed}-{n}"
    head = (
        f"Return-Path: <sale{n}@spammer.example>\r\n"
        f"Received: from pc-{n} (unknown [198.51.100.{(n * 7 + 1) % 254 + 1}]) by mx.receiver.example "
        f"(Postfix) with ESMTP id {ident}; {at}\r\nFrom: Sale <sale@spammer.example>\r\n"
        f"To: victim{n % 97}@receiver.example\r\nSubject: Limited offer {ident}\r\nDate: {at}\r\n"
        f"Message-ID: <{ident}@spammer.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Buy now at http://shop{n % 50}.spam.example/offer/{ident}\r\n\r\n"
    )
    filler = "cheap pills offer limited discount watches replica winner claim prize\n" * 40
    return (head + filler[: 3072 - len(head)] + "\r\n").encode()


def worker(label: str) -> None:
    """Every task one stored report causes, in process (tasks eager), as a worker runs them."""
    from complaints.choices import Channel
    from complaints.services import report_ingest
    from complaints.services.partners import partner_create
    from complaints.tasks import process_report

    partner, _key = partner_create(
        name=f"profile-{int(time.time())}", contact_email="", rate_limit="1000000/min"
    )
    seed = str(time.time())

    def stored(n: int) -> int:
        # What the API stores (one transaction) before it queues the processing.
        from unittest import mock

        with mock.patch("complaints.services.intake._queue_processing", return_value=True):
            result = report_ingest(raw=spam(n, seed), channel=Channel.API, content_type="message/rfc822",
                                   reporter_key=f"partner:{partner.name}", partner=partner, defer=True)  # fmt: skip
        return result.report.pk

    ids = [stored(n) for n in range(REPORTS + 10)]
    if os.environ.get("BENCH_PROFILE_EVALUATIONS") == "off":
        # Processing and attribution alone: with a broker the evaluations a burst causes
        # are merged (one waits per case), so few reports pay for one.
        from complaints.signals import case_changed

        case_changed.disconnect(dispatch_uid="sanctions.refresh_recommendation_on_case_change")
    for pk in ids[:10]:  # warm-up: imports, caches, the connection
        process_report.delay(pk)
    from django.db import connection

    from bench.common import cpu_seconds

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    # BENCH_PROFILE_CLOCK=off: no profiler, only the CPU figures (the profiler's own
    # cost inflates the worker's CPU, not PostgreSQL's).
    profile = None if os.environ.get("BENCH_PROFILE_CLOCK") == "off" else new_profile()
    cpu0, db0 = time.process_time(), cpu_seconds(backend)
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    for pk in ids[10:]:
        process_report.delay(pk)
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - t0
    cpu, db = time.process_time() - cpu0, cpu_seconds(backend) - db0
    from complaints.models import Report

    done = Report.objects.filter(pk__in=ids[10:], attributed_at__isnull=False).count()
    header = (
        f"{REPORTS} stored reports processed, attributed and re-evaluated in process in {elapsed:.1f} s "
        f"({elapsed / REPORTS * 1000:.1f} ms each; {done} attributed); CPU per report: worker "
        f"{cpu / REPORTS * 1000:.1f} ms{' (profiled)' if profile else ''}, PostgreSQL {db / REPORTS * 1000:.1f} ms"
    )
    if profile:
        write(label, "worker", profile, header)
    else:
        say(f"  {header}")


def imports(label: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    for command, make, table in (
        ("import_sessions", datagen.sessions, "subscribers_session"),
        ("import_maillog", datagen.maillog, "subscribers_maillogentry"),
    ):
        path, _rows = make(LINES)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
        profile = new_profile()
        t0 = time.perf_counter()
        profile.enable()
        call_command(command, str(path), stdout=io.StringIO(), stderr=io.StringIO())
        profile.disable()
        elapsed = time.perf_counter() - t0
        write(label, command, profile, f"{command} of {LINES:,} lines in {elapsed:.1f} s")


def pages(label: str) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.pages import CASE_REPORTS
    from complaints.models import Case

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-staff"))
    big = Case.objects.filter(key="bench:1").values_list("pk", flat=True).first()
    for name, url in (("queue", "/cases/"), ("search", "/cases/?q=10.0.12.34"), ("case", f"/cases/{big}/")):
        client.get(url)
        profile = new_profile()
        t0 = time.perf_counter()
        profile.enable()
        for _ in range(5):
            client.get(url)
        profile.disable()
        elapsed = (time.perf_counter() - t0) / 5
        write(
            label,
            f"page-{name}",
            profile,
            f"GET {url} ({CASE_REPORTS} reports on the case page), {elapsed * 1000:.0f} ms each",
        )


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "profile"
    which = sys.argv[2] if len(sys.argv) > 2 else "intake,imports,pages"
    # Each part needs its own database, so each runs in a process of its own.
    if "," in which:
        import subprocess

        for part in which.split(","):
            subprocess.run([sys.executable, __file__, label, part], check=True)
        return
    if which == "intake":
        if not db_exists("intake"):
            raise SystemExit("run bench/intake.py first")
        url = db_copy("profile", "intake")
        django_setup(url, CELERY_BROKER_URL=BROKER_URL, CELERY_TASK_DEFAULT_QUEUE=f"{DB_PREFIX}_intake")
        intake(label)
    elif which == "worker":
        if not db_exists("intake"):
            raise SystemExit("run bench/intake.py first")
        # Tasks in process (no broker): the profile is the sum of every task's body.
        django_setup(db_copy("profile", "intake"))
        worker(label)
    elif which == "imports":
        django_setup(db_url("imports"))
        imports(label)
    elif which == "pages":
        django_setup(db_url("pages"))
        pages(label)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)


if __name__ == "__main__":
    main()
