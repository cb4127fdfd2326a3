"""Issue 10, item 9: one report cannot tie up evidence collection.

The hosts looked up per report are bounded (the first N by order of appearance, the
rest recorded as not looked up), so is the time per report, and in the default mode
(tasks in-process, no broker) no DNS question is asked while a web request waits: the
request stores and answers, the evidence is collected after the response is sent.
Against the loopback DNS server the evidence tests use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from complaints.evidence.services import evidence_collect
from complaints.models import Evidence, Report
from tests.complaints.samples import spam
from tests.evidence.helpers import HOST, ORIGIN, serve_spam_zone
from tests.personas import token_client
from tests.support.dnsserver import DnsTestServer

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def dns_server(settings):
    server = DnsTestServer().start()
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", server.port)]
    settings.ABUSEDESK_DNS_TIMEOUT = 0.5
    settings.ABUSEDESK_DNSBL_ZONES = []
    serve_spam_zone(server)
    yield server
    server.stop()


def _many_hosts(n: int, *, prefix: str = "h") -> bytes:
    raw = spam(at=AT)
    links = "\n".join(f"http://{prefix}{i}.spamvertised.example/p" for i in range(n))
    return raw.replace(b"Buy now!", b"Buy now!\n" + links.encode())


def _report(raw: bytes) -> Report:
    from complaints.choices import Channel
    from complaints.services import report_ingest

    return report_ingest(
        raw=raw, channel=Channel.API, reporter_key="partner:x", content_type="message/rfc822"
    ).report


@pytest.mark.django_db
def test_only_the_first_hosts_are_looked_up_and_the_rest_recorded(dns_server, settings, staff_client):
    settings.ABUSEDESK_EVIDENCE_MAX_HOSTS = 3
    report = _report(_many_hosts(10))
    assert len(report.url_hosts) == 11
    assert report.url_hosts[:2] == ["h0.spamvertised.example", "h1.spamvertised.example"]
    evidence_collect(report_id=report.pk)
    subjects = set(Evidence.objects.filter(report=report).values_list("subject", flat=True))
    assert {f"h{i}.spamvertised.example" for i in range(3)} | {ORIGIN} <= subjects
    assert not any(s.startswith(("h3.", "h9.")) or s == HOST for s in subjects)
    assert dns_server.asked("h3.spamvertised.example", "A") == 0
    report.refresh_from_db()
    skipped = report.facts["evidence_not_looked_up"]
    assert [s["subject"] for s in skipped] == [f"h{i}.spamvertised.example" for i in range(3, 10)] + [HOST]
    assert {s["reason"] for s in skipped} == {"limit"}
    page = staff_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Not looked up in the DNS" in page and "h9.spamvertised.example (beyond the host limit)" in page
    # The sweep does not re-send the report for the hosts left out on purpose.
    from datetime import timedelta

    from django.utils import timezone

    from complaints.evidence.selectors import reports_missing_evidence

    assert report.pk not in reports_missing_evidence(now=timezone.now() + timedelta(minutes=10))


@pytest.mark.django_db
def test_the_time_budget_stops_asking_and_records_what_was_not_asked(dns_server, settings):
    settings.ABUSEDESK_EVIDENCE_MAX_HOSTS = 200
    settings.ABUSEDESK_EVIDENCE_TIME_BUDGET = 0.3
    settings.ABUSEDESK_EVIDENCE_WORKERS = 4
    names = [f"t{i}.slow.example" for i in range(60)]
    dns_server.drop.update(names)  # every question about them times out (0.5 s)
    report = _report(_many_hosts(60, prefix="t").replace(b".spamvertised.example", b".slow.example"))
    evidence_collect(report_id=report.pk)
    report.refresh_from_db()
    skipped = [s for s in report.facts["evidence_not_looked_up"] if s["reason"] == "time"]
    asked = {s for s in Evidence.objects.filter(report=report).values_list("subject", flat=True)}
    assert skipped, "the budget never ran out"
    assert len(asked & set(names)) < 60
    assert {s["subject"] for s in skipped} & set(names) - asked, "a host left out entirely is on record"


@pytest.fixture
def real_wsgi():
    """Django's WSGI handler as a server drives it; connections stay open for the test database."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _environ(body: bytes, key: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/reports/",
        "CONTENT_TYPE": "message/rfc822",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Token {key}",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": BytesIO(),
    }


@pytest.mark.django_db(transaction=True)
def test_no_dns_question_is_asked_while_the_request_waits(dns_server, partner, real_wsgi):
    _, key = partner
    statuses = []
    result = real_wsgi(_environ(spam(at=AT), key), lambda status, headers: statuses.append(status))
    body = b"".join(result)  # the server sends the response ...
    assert statuses == ["201 Created"], body
    assert dns_server.queries == 0  # ... before a single question was asked
    report = Report.objects.get()
    assert report.status == "parsed" and not Evidence.objects.exists()
    result.close()  # ... and then closes it: now the evidence is collected
    assert dns_server.queries > 0
    assert Evidence.objects.filter(report=report, subject=ORIGIN).exists()


@pytest.mark.django_db(transaction=True)
def test_through_the_test_client_the_evidence_is_there_after_the_call(dns_server, partner):
    _, key = partner
    response = token_client(key).post("/api/v1/reports/", data=spam(at=AT), content_type="message/rfc822")
    assert response.status_code == 201
    assert Evidence.objects.filter(subject=HOST).exists()
