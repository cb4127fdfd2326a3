"""A report's processing and attribution, one worker task, ask each question once.

Grouping and attribution both ask the inventory which block holds the source address
and who held it at the spam's instant; within one task they share the answers
(subscribers.selectors.lookups_memoized), and the attribution takes the hops the
processing has just stored instead of reading them back. Re-processing a report put
back to "received" still replaces its hops and links.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.choices import Channel, ReportStatus
from complaints.models import Hop, Report, ReportUrl
from complaints.services import report_ingest
from complaints.services.intake import report_process
from complaints.signals import case_changed
from subscribers.models import Account
from subscribers.selectors import block_for, lookups_memoized, session_at
from subscribers.services import account_upsert, block_upsert, session_record, subscriber_upsert
from tests.complaints.samples import spam

# Transactional: the attribution runs when the processing commits, inside the task, as
# on a worker (in a test's outer transaction it would wait for the test's end).
pytestmark = pytest.mark.django_db(transaction=True)
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)
RECEIVER = "sanctions.refresh_recommendation_on_case_change"


@pytest.fixture
def no_evaluation():
    """The case's evaluation (its own task with a broker) is left out of the count."""
    from sanctions.receivers import refresh_recommendation_on_case_change

    case_changed.disconnect(dispatch_uid=RECEIVER)
    yield
    case_changed.connect(refresh_recommendation_on_case_change, dispatch_uid=RECEIVER)


@pytest.fixture
def held_address():
    subscriber_upsert(subscriber_id="S-1", name="Customer 1")
    account_upsert(account_id="C-1", subscriber_id="S-1", kind="connection", identifier="c1@isp")
    block_upsert(prefix="198.51.100.0/24", kind="dynamic")
    session_record(
        account=Account.objects.get(account_id="C-1"), ip="198.51.100.23", started_at=AT - timedelta(hours=1)
    )


def stored(message_id: str = "<1@x>") -> Report:
    """Stored and left "received", as the API leaves it for a worker (the queueing is
    what a broker would do: here nothing is sent)."""
    from unittest import mock

    with mock.patch("complaints.services.intake._queue_processing", return_value=True):
        report = report_ingest(
        raw=spam(at=AT, message_id=message_id), channel=Channel.MAILBOX, content_type="message/rfc822",
            reporter_key="email:a@r.example", defer=True,
        ).report  # fmt: skip
    assert report.status == ReportStatus.RECEIVED
    return report


def test_processing_and_attribution_ask_the_inventory_each_question_once(
    held_address, no_evaluation, settings
):
    settings.ABUSEDESK_COLLECT_EVIDENCE = False  # its tasks follow on their own queue with a broker
    report = stored()
    with CaptureQueriesContext(connection) as seen:
        report_process(report_id=report.pk)
    sql = [q["sql"] for q in seen.captured_queries]
    report.refresh_from_db()
    assert report.attribution["accounts"] == ["C-1"] and report.case_id is not None
    blocks = [s for s in sql if "subscribers_addressblock b" in s]
    sessions = [s for s in sql if "subscribers_sessionprefixlength" in s]
    assert len(blocks) == 1, blocks
    assert len(sessions) == 1, sessions
    # The DNS answers on record: the link host's A and AAAA in one statement, the
    # source's reverse name in another.
    evidence = [s for s in sql if "complaints_evidence" in s]
    assert len(evidence) == 2, evidence
    # The hops were written by this task, never read back; nothing of an earlier parse to delete.
    assert not [s for s in sql if "complaints_hop" in s and not s.lstrip().upper().startswith("INSERT")]


def test_the_attribution_from_the_stored_hops_equals_one_that_reads_them(held_address, no_evaluation):
    from complaints.attribution.engine import attribute

    report = stored()
    report_process(report_id=report.pk)
    report = Report.objects.get(pk=report.pk)
    assert Hop.objects.filter(report=report).count() >= 1
    assert attribute(report).to_dict() == report.attribution


def test_a_report_put_back_to_received_is_parsed_afresh_without_doubled_hops(held_address):
    report = stored()
    report_process(report_id=report.pk)
    hops, urls = Hop.objects.filter(report=report).count(), ReportUrl.objects.filter(report=report).count()
    assert hops >= 1 and urls == 1
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RECEIVED)
    report_process(report_id=report.pk)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.PARSED
    assert Hop.objects.filter(report=report).count() == hops
    assert ReportUrl.objects.filter(report=report).count() == urls


def test_answers_are_kept_only_inside_the_block(held_address):
    with lookups_memoized():
        first = session_at(ip="198.51.100.23", at=AT)
        Account.objects.filter(account_id="C-1").update(identifier="changed@isp")
        assert (
            session_at(ip="198.51.100.23", at=AT).account.identifier == first.account.identifier == "c1@isp"
        )
        assert block_for(ip="198.51.100.23") is block_for(ip="198.51.100.23")
    assert session_at(ip="198.51.100.23", at=AT).account.identifier == "changed@isp"


def test_the_reads_made_for_every_report_are_written_by_hand(held_address, no_evaluation, settings):
    """The report, its claim, its case, the unsealed audit entries, the mail-server check
    and the compromise checks of a customer's report are read through abusedesk.rawsql
    (built once, prepared): compiling them through the ORM cost more than running them.
    What the ORM still compiles here is the new case's first recount."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    from complaints.attribution.services import inventory_version

    settings.ABUSEDESK_COLLECT_EVIDENCE = False
    report = stored()
    inventory_version()  # a worker reads it at most every 5 s (INVENTORY_VERSION_MAX_AGE)
    compiled: list[str] = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        if type(self) is SQLCompiler:  # a SELECT (inserts and updates have their own compilers)
            compiled.append(self.query.model._meta.db_table)
        return original(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        report_process(report_id=report.pk)
    report.refresh_from_db()
    assert report.attribution["accounts"] == ["C-1"] and report.case_id is not None
    assert not {"complaints_case", "abusedesk_auditentry", "subscribers_addressblock"} & set(compiled), compiled
    assert len(compiled) <= 1, compiled
