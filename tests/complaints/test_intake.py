from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.models import AuditEntry
from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from subscribers.services import account_upsert, block_upsert, session_record, subscriber_upsert
from tests.complaints.samples import spam

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)


def ingest(raw: bytes, reporter: str = "email:a@receiver.example", **kw):
    return report_ingest(
        raw=raw, channel=Channel.MAILBOX, content_type="message/rfc822", reporter_key=reporter, **kw
    )


@pytest.fixture
def two_customers_share_an_address(db):
    """198.51.100.23 is C-1 until 05:30:00Z, then C-2."""
    for n in (1, 2):
        subscriber_upsert(subscriber_id=f"S-{n}", name=f"Customer {n}")
        account_upsert(account_id=f"C-{n}", subscriber_id=f"S-{n}", kind="connection", identifier=f"c{n}@isp")
    from subscribers.models import Account

    handover = datetime(2026, 11, 20, 5, 30, 0, tzinfo=UTC)
    session_record(
        account=Account.objects.get(account_id="C-1"),
        ip="198.51.100.23",
        started_at=handover - timedelta(hours=5),
        stopped_at=handover,
    )
    session_record(account=Account.objects.get(account_id="C-2"), ip="198.51.100.23", started_at=handover)
    return handover


def test_the_raw_report_is_stored_before_parsing_and_survives_a_parser_crash(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr("complaints.services.intake.parse_report", explode)
    result = ingest(spam(at=AT))
    report = Report.objects.get(pk=result.report.pk)
    assert bytes(report.raw) == spam(at=AT)
    assert report.status == "manual_triage"
    assert "parser bug" in report.status_reason
    assert AuditEntry.objects.filter(action="report.received", object_id=str(report.pk)).exists()


def test_garbage_is_stored_for_manual_triage_with_a_reason():
    result = ingest(b"\x00\xff\xfe garbage that is no mail at all")
    assert result.created
    assert result.report.status == "manual_triage"
    assert result.report.status_reason


def test_reports_from_one_address_in_one_session_share_a_case(two_customers_share_an_address):
    a = ingest(spam(at=AT + timedelta(minutes=1)), "email:a@x.example").report
    b = ingest(spam(at=AT + timedelta(minutes=9), message_id="<2@x>"), "email:b@y.example").report
    assert a.case_id == b.case_id
    case = Case.objects.get(pk=a.case_id)
    assert case.kind == "session"
    assert (case.report_count, case.reporter_count) == (2, 2)


def test_an_address_handed_to_another_customer_starts_another_case(two_customers_share_an_address):
    handover = two_customers_share_an_address
    before = ingest(spam(at=handover - timedelta(minutes=1)), "email:a@x.example").report
    after = ingest(spam(at=handover + timedelta(minutes=1), message_id="<2@x>"), "email:a@x.example").report
    near = ingest(spam(at=handover + timedelta(seconds=2), message_id="<3@x>"), "email:a@x.example").report
    assert before.case_id != after.case_id
    # Seconds from the handover either may have sent it: in neither holder's case.
    assert near.case_id not in (before.case_id, after.case_id)


def test_distinct_reporters_are_counted_once():
    for i in range(3):
        ingest(spam(at=AT, message_id=f"<{i}@x>"), "email:same@x.example")
    ingest(spam(at=AT, message_id="<9@x>"), "email:other@y.example")
    case = Case.objects.get()
    assert (case.report_count, case.reporter_count) == (4, 2)


def test_an_authenticated_login_groups_across_addresses():
    block_upsert(prefix="192.0.2.0/28", kind="mail_servers")  # smtp1, which wrote the login's line
    a = ingest(spam(at=AT, origin_ip="198.51.100.1", login="taro"), "email:a@x.example").report
    b = ingest(
        spam(at=AT, origin_ip="198.51.100.99", login="taro", message_id="<2@x>"), "email:b@x.example"
    ).report
    assert a.authenticated_as == "taro"
    assert a.case_id == b.case_id
    assert Case.objects.get().kind == "login"


def test_a_login_in_a_line_nobody_we_trust_wrote_is_never_read():
    """The same lines as above, but smtp1's address is not one of our mail servers: the
    receiver's trusted hop ends at 192.0.2.5, and the line below it (with its "login")
    is text the sender chose. It keys no case and names nobody's mail account."""
    report = ingest(spam(at=AT, origin_ip="198.51.100.1", login="taro")).report
    assert report.source_ip == "192.0.2.5"
    assert (report.authenticated_as, report.case.kind) == ("", "address")


def test_a_forged_authentication_results_below_the_origin_names_no_login():
    """An "auth=pass smtp.auth=" field the spam carried in from below its origin, with
    our own authserv-id: only the origin's receiver's own field, next to its line, counts."""
    raw = spam(at=AT, origin_ip="198.51.100.1", reporter_mx="mx.isp.example.jp")
    forged = b"Authentication-Results: isp.example.jp; auth=pass smtp.auth=taro\r\n"
    report = ingest(raw.replace(b"From: ", forged + b"From: ", 1)).report
    assert report.source_ip == "198.51.100.1"
    assert report.authenticated_as == ""
    genuine = b"Authentication-Results: mx.isp.example.jp; auth=pass smtp.auth=taro\r\n"
    raw = spam(at=AT, origin_ip="198.51.100.2", reporter_mx="mx.isp.example.jp", message_id="<g@x>")
    report = ingest(genuine + raw).report
    assert report.authenticated_as == "taro"


def test_a_report_with_only_an_advertised_host_is_grouped_by_host():
    result = report_ingest(
        raw=b'{"source_ip": "x"}',
        channel=Channel.WEB,
        reporter_key="user:sato",
        content_type="application/json",
        form={
            "source_ip": None,
            "occurred_at": None,
            "category": "spamvertised",
            "message": "Subject: hi\n\nsee http://Shop.Example.COM/x\n",
        },
    )
    assert result.report.case.key == "host:shop.example.com"


def test_every_step_leaves_an_audit_entry():
    report = ingest(spam(at=AT)).report
    actions = list(AuditEntry.objects.filter(object_id=str(report.pk)).values_list("action", flat=True))
    assert actions[:2] == ["report.received", "report.parsed"]
    assert "report.grouped" in actions
    assert AuditEntry.objects.filter(action="case.opened", case_id=report.case_id).exists()


def test_foreign_spam_advertising_a_site_we_host_is_grouped_by_the_site():
    subscriber_upsert(subscriber_id="S-7", name="Shop owner")
    account_upsert(account_id="H-7", subscriber_id="S-7", kind="hosting", identifier="shop.example.jp")
    a = ingest(spam(at=AT, origin_ip="233.252.0.1", url="http://shop.example.jp/a"), "email:a@x.example").report
    b = ingest(spam(at=AT, origin_ip="233.252.0.2", url="http://shop.example.jp/b", message_id="<2@x>"),
               "email:b@x.example").report
    assert a.case_id == b.case_id
    assert a.case.key == "host:shop.example.jp"
    # The same site under its www. and campaign names: the one site the inventory names.
    c = ingest(spam(at=AT, origin_ip="233.252.0.3", url="http://www.shop.example.jp/c", message_id="<3@x>"),
               "email:c@x.example").report
    d = ingest(spam(at=AT, origin_ip="233.252.0.4", url="http://promo.shop.example.jp/", message_id="<4@x>"),
               "email:d@x.example").report
    assert c.case_id == d.case_id == a.case_id


def test_a_site_registered_under_both_its_bare_and_www_names_is_one_case():
    subscriber_upsert(subscriber_id="S-8", name="Shop owner")
    account_upsert(
        account_id="H-8", subscriber_id="S-8", kind="hosting", identifier="www.shop.example.jp,shop.example.jp"
    )
    a = ingest(spam(at=AT, origin_ip="233.252.0.1", url="http://www.shop.example.jp/a"), "email:a@x.example").report
    b = ingest(spam(at=AT, origin_ip="233.252.0.2", url="http://shop.example.jp/b", message_id="<2@x>"),
               "email:b@x.example").report
    assert a.case_id == b.case_id and a.case.key == "host:shop.example.jp"


def test_parsing_writes_the_facts_and_never_sends_the_stored_bytes_back():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.services.intake import report_process

    raw = spam(origin_ip="198.51.100.7", at=datetime(2026, 11, 20, 5, 0, tzinfo=UTC)) + b"x" * 200_000
    with CaptureQueriesContext(connection) as queries:
        report = ingest(raw).report  # stored, then processed in process (no broker)
    assert report.status == "parsed" and bytes(report.raw) == raw
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "complaints_report"')]
    assert updates and not any('"raw"' in sql for sql in updates)
    report_process(report_id=report.pk)  # a second run changes nothing
    report.refresh_from_db()
    assert bytes(report.raw) == raw


def test_a_mailed_in_short_form_with_a_time_without_offset_is_kept_with_the_problem_named(
    django_capture_on_commit_callbacks,
):
    """The API refuses such a form; one that arrives another way (a mailbox, an upload) is
    stored and processed: the address is kept, the instant is not guessed."""
    raw = b'{"source_ip": "198.51.100.23", "occurred_at": "2026-11-27 23:30:00", "category": "spam"}'
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(
            raw=raw, channel=Channel.MAILBOX, content_type="application/json", reporter_key="email:a@x.example"
        ).report
    report.refresh_from_db()
    assert not report.status_reason.startswith("processing failed"), report.status_reason
    assert report.source_ip == "198.51.100.23" and report.occurred_at is None
    assert any("no UTC offset" in p for p in report.facts["problems"])
    assert "no_time" in [s["code"] for s in report.attribution["steps"]]
