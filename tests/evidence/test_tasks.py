"""The Celery tasks, run eagerly (the suite's default)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.choices import ReportStatus
from complaints.evidence import tasks
from complaints.evidence.selectors import reports_missing_evidence
from complaints.models import Evidence, Report

from .helpers import QUESTIONS, serve_spam_zone, spam_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _zones(settings):
    settings.ABUSEDESK_DNSBL_ZONES = [("xbl.test", "exploited")]


def _age(report, **delta):
    Report.objects.filter(pk=report.pk).update(received_at=timezone.now() - timedelta(**delta))


def test_collect_evidence_produces_records(dns_server):
    serve_spam_zone(dns_server)
    report = spam_report()

    tasks.collect_evidence.delay(report.pk)

    assert Evidence.objects.filter(report=report).count() == QUESTIONS


def test_collect_evidence_can_be_sent_twice(dns_server):
    serve_spam_zone(dns_server)
    report = spam_report()

    tasks.collect_evidence.delay(report.pk)
    tasks.collect_evidence.delay(report.pk)

    assert Evidence.objects.count() == QUESTIONS


def test_collect_evidence_for_a_deleted_report_does_nothing(dns_server):
    assert tasks.collect_evidence.delay(987654).get() == 0
    assert dns_server.queries == 0


def test_the_sweep_resends_a_report_that_has_no_evidence(dns_server):
    serve_spam_zone(dns_server)
    report = spam_report()
    _age(report, minutes=10)

    assert tasks.sweep_evidence.delay().get() == 1

    assert Evidence.objects.filter(report=report).count() == QUESTIONS
    assert tasks.sweep_evidence.delay().get() == 0


def test_the_sweep_leaves_recent_old_and_unparsed_reports_alone(dns_server, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.collect_evidence, "delay", sent.append)
    just_in = spam_report(n=1)
    too_old = spam_report(n=2, origin_ip="198.51.100.24")
    _age(too_old, days=8)
    triage = spam_report(n=3, origin_ip="198.51.100.25")
    _age(triage, minutes=10)
    Report.objects.filter(pk=triage.pk).update(status=ReportStatus.MANUAL_TRIAGE)
    due = spam_report(n=4, origin_ip="198.51.100.26")
    _age(due, minutes=10)

    tasks.sweep_evidence()

    assert sent == [due.pk]
    assert just_in.pk not in sent


def test_a_report_whose_subjects_were_checked_for_another_is_not_resent(dns_server):
    serve_spam_zone(dns_server)
    first = spam_report(n=1)
    tasks.collect_evidence.delay(first.pk)
    second = spam_report(n=2)  # same subjects, all still fresh: no rows of its own
    _age(second, minutes=10)
    tasks.collect_evidence.delay(second.pk)

    assert not Evidence.objects.filter(report=second).exists()
    assert reports_missing_evidence() == []


def test_a_report_whose_questions_all_timed_out_is_swept_again_once_the_dns_answers(dns_server, settings):
    settings.ABUSEDESK_DNS_TIMEOUT = 0.1
    serve_spam_zone(dns_server)
    report = spam_report()
    dns_server.silent = True  # the resolver stopped answering
    tasks.collect_evidence.delay(report.pk)
    timeouts = Evidence.objects.filter(report=report)
    asked = timeouts.count()  # no PTR name came back, so no forward confirmation was asked
    assert asked and set(timeouts.values_list("outcome", flat=True)) == {"timeout"}
    _age(report, minutes=10)
    assert reports_missing_evidence() == [report.pk]  # owed: nothing came back

    dns_server.silent = False
    assert tasks.sweep_evidence.delay().get() == 1

    assert Evidence.objects.filter(report=report).exclude(outcome="timeout").count() == QUESTIONS
    assert Evidence.objects.filter(report=report, outcome="timeout").count() == asked  # kept, never rewritten
    assert tasks.sweep_evidence.delay().get() == 0
