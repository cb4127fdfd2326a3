"""A case's counts and first/last seen are added to as each report is grouped, without
reading the case's other reports, and always equal a recount from the reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from complaints.services.cases import case_attach, case_refresh_counts
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


def ingest(raw: bytes, reporter: str):
    return report_ingest(
        raw=raw, channel=Channel.MAILBOX, content_type="message/rfc822", reporter_key=reporter
    ).report


def counts(case_id: int) -> tuple:
    case = Case.objects.get(pk=case_id)
    return case.report_count, case.reporter_count, case.first_seen, case.last_seen


def recounted(case_id: int) -> tuple:
    case_refresh_counts(case_id=case_id)
    return counts(case_id)


def test_counts_grow_with_each_report_and_equal_a_recount():
    # Spam sent at these minutes from one address, reported by these people, in this order.
    arrivals = [(10, "a"), (3, "b"), (25, "a"), (17, "c"), (3, "b"), (40, "a")]
    case_id = None
    for n, (minute, who) in enumerate(arrivals, start=1):
        report = ingest(spam(at=AT + timedelta(minutes=minute), message_id=f"<{n}@x>"), f"email:{who}@r.example")
        case_id = case_id or report.case_id
        assert report.case_id == case_id
        grown = counts(case_id)
        assert grown == recounted(case_id)
        seen = [AT + timedelta(minutes=m) for m, _ in arrivals[:n]]
        reporters = {w for _, w in arrivals[:n]}
        assert grown == (n, len(reporters), min(seen), max(seen))


def test_grouping_a_new_report_reads_no_other_report_of_the_case():
    first = ingest(spam(at=AT, message_id="<1@x>"), "email:a@r.example")
    report = ingest(spam(at=AT + timedelta(minutes=1), message_id="<2@x>"), "email:b@r.example")
    assert report.case_id == first.case_id
    fresh = Report.objects.create(
        raw=b"x", raw_sha256="0" * 64, size=1, channel=Channel.MAILBOX, reporter_key="email:c@r.example",
        source_ip=report.source_ip, occurred_at=AT - timedelta(hours=1), status="parsed",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as seen:
        case = case_attach(report=fresh)
    assert case.pk == first.case_id
    # The recount read them with COUNT(...) ... GROUP BY over the case's reports.
    aggregates = [q["sql"] for q in seen.captured_queries if re.search(r"\bCOUNT\(|GROUP BY", q["sql"], re.I)]
    assert aggregates == []
    assert counts(case.pk) == (3, 3, AT - timedelta(hours=1), AT + timedelta(minutes=1)) == recounted(case.pk)


def test_a_report_grouped_again_is_not_counted_twice():
    report = ingest(spam(at=AT, message_id="<1@x>"), "email:a@r.example")
    ingest(spam(at=AT + timedelta(minutes=2), message_id="<2@x>"), "email:a@r.example")
    before = counts(report.case_id)
    case_attach(report=Report.objects.get(pk=report.pk))
    assert counts(report.case_id) == before == (2, 1, AT, AT + timedelta(minutes=2))
