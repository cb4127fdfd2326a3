"""evidence_collect: each new answer is an immutable record, cached for its TTL."""

import time
from datetime import UTC

import dns.message
import dns.rcode
import pytest
from django.utils import timezone

from complaints.evidence.selectors import evidence_for_case, evidence_for_report
from complaints.evidence.services import evidence_collect, evidence_digest
from complaints.models import Evidence

from .helpers import DOMAIN, HOST, ORIGIN, QUESTIONS, serve_spam_zone, spam_report

pytestmark = pytest.mark.django_db

Kind = Evidence.Kind
Outcome = Evidence.Outcome


@pytest.fixture(autouse=True)
def _zones(settings):
    settings.ABUSEDESK_DNSBL_ZONES = [("xbl.test", "exploited")]


@pytest.fixture
def served(dns_server):
    serve_spam_zone(dns_server)
    return dns_server


def test_it_records_every_answer_about_the_report(served):
    report = spam_report()

    added = evidence_collect(report_id=report.pk)

    assert added == QUESTIONS
    rows = {(e.subject, e.kind, e.query_type): e for e in Evidence.objects.filter(report=report)}
    assert set(rows) == {
        (ORIGIN, Kind.PTR, "PTR"),
        (ORIGIN, Kind.FORWARD, "A"),
        (ORIGIN, Kind.DNSBL, "A"),
        (ORIGIN, Kind.DNSBL, "TXT"),
        (HOST, Kind.A, "A"),
        (HOST, Kind.AAAA, "AAAA"),
        (HOST, Kind.MX, "MX"),
        (HOST, Kind.NS, "NS"),
        (DOMAIN, Kind.SPF, "TXT"),
        (DOMAIN, Kind.DMARC, "TXT"),
    }
    dnsbl = rows[(ORIGIN, Kind.DNSBL, "A")]
    assert (dnsbl.zone, dnsbl.zone_kind, dnsbl.listed, dnsbl.answer) == (
        "xbl.test",
        "exploited",
        True,
        ["127.0.0.4"],
    )
    assert dnsbl.query_name == "23.100.51.198.xbl.test"
    assert dnsbl.case_id == report.case_id is not None
    assert dnsbl.server == f"127.0.0.1:{served.port}"
    assert rows[(ORIGIN, Kind.FORWARD, "A")].answer == [ORIGIN]
    assert rows[(HOST, Kind.AAAA, "AAAA")].outcome == Outcome.NOANSWER
    assert rows[(DOMAIN, Kind.SPF, "TXT")].answer == ['"v=spf1 -all"']
    assert "ANSWER" in rows[(HOST, Kind.MX, "MX")].response_as_text()


def test_the_digest_can_be_recomputed_from_the_stored_row(served):
    report = spam_report()
    evidence_collect(report_id=report.pk)

    for record in Evidence.objects.filter(report=report):
        assert len(record.digest) == 64
        assert evidence_digest(record) == record.digest


def test_the_digest_changes_when_the_answer_does(served):
    evidence_collect(report_id=spam_report().pk)
    record = Evidence.objects.get(kind=Kind.A)

    record.answer = ["203.0.113.66"]

    assert evidence_digest(record) != record.digest


def test_evidence_cannot_be_changed(served):
    evidence_collect(report_id=spam_report().pk)
    record = Evidence.objects.get(kind=Kind.A)
    record.answer = ["203.0.113.66"]

    with pytest.raises(ValueError, match="immutable"):
        record.save()
    assert Evidence.objects.get(pk=record.pk).answer == ["203.0.113.10"]


def test_within_the_ttl_no_question_reaches_the_server(served):
    evidence_collect(report_id=spam_report().pk)
    asked = served.queries
    second = spam_report(n=2)  # another report about the same subjects

    assert evidence_collect(report_id=second.pk) == 0
    assert served.queries == asked
    assert Evidence.objects.count() == QUESTIONS
    # The second report still rests on that evidence: selectors go by subject.
    assert len(evidence_for_report(second)) == QUESTIONS


def test_after_the_ttl_a_recheck_adds_records_and_keeps_the_old(served):
    served.ttl = 1
    served.negative_ttl = 1
    report = spam_report()
    evidence_collect(report_id=report.pk)
    first = set(Evidence.objects.values_list("pk", "digest"))
    time.sleep(1.1)

    assert evidence_collect(report_id=report.pk) == QUESTIONS

    assert Evidence.objects.count() == 2 * QUESTIONS
    assert first <= set(Evidence.objects.values_list("pk", "digest"))
    latest = evidence_for_report(report)
    assert len(latest) == QUESTIONS
    assert not {r.pk for r in latest} & {pk for pk, _ in first}
    assert len(evidence_for_report(report, history=True)) == 2 * QUESTIONS


def test_failures_are_recorded_and_asked_again_next_time(served):
    served.servfail.add(HOST)
    served.drop.add("23.100.51.198.in-addr.arpa")
    report = spam_report()

    evidence_collect(report_id=report.pk)

    outcomes = dict(Evidence.objects.values_list("kind", "outcome"))
    assert outcomes[Kind.PTR] == Outcome.TIMEOUT
    assert outcomes[Kind.A] == Outcome.SERVFAIL
    assert Kind.FORWARD not in outcomes
    # Only the failed questions go out again: 1 PTR + 4 host records.
    assert evidence_collect(report_id=report.pk) == 5


def test_a_negative_answer_is_fresh_for_a_short_default(served, dns_server):
    dns_server.remove(HOST, "A")
    report = spam_report()
    evidence_collect(report_id=report.pk)
    asked = served.asked(HOST, "A")

    evidence_collect(report_id=report.pk)

    record = Evidence.objects.get(subject=HOST, kind=Kind.A)
    assert (record.outcome, record.ttl) == (Outcome.NOANSWER, None)
    assert served.asked(HOST, "A") == asked


def test_a_report_with_an_address_url_gets_ip_checks_for_it(served):
    report = spam_report(url="http://203.0.113.9/buy")

    evidence_collect(report_id=report.pk)

    kinds = set(Evidence.objects.filter(subject="203.0.113.9").values_list("kind", flat=True))
    assert kinds == {Kind.PTR, Kind.DNSBL}
    assert not Evidence.objects.filter(kind=Kind.A).exists()


def test_the_case_shows_the_evidence_of_its_reports(served):
    report = spam_report()
    evidence_collect(report_id=report.pk)

    records = evidence_for_case(report.case)

    assert {r.subject for r in records} == {ORIGIN, HOST, DOMAIN}
    assert len(records) == QUESTIONS


def test_a_follow_up_is_asked_without_waiting_for_a_slow_question(served, settings):
    settings.ABUSEDESK_DNS_TIMEOUT = 2.0
    served.drop.add(HOST)  # A, AAAA, MX and NS of the host time out after 2 s
    report = spam_report()

    evidence_collect(report_id=report.pk)

    rows = {e.kind: e for e in Evidence.objects.filter(report=report)}
    assert rows[Kind.A].outcome == Outcome.TIMEOUT
    assert rows[Kind.FORWARD].answer == [ORIGIN]
    # Asked once the PTR name was in, not after the host's questions had timed out.
    assert (rows[Kind.FORWARD].asked_at - rows[Kind.PTR].asked_at).total_seconds() < 1.0


def test_answers_with_escapes_are_stored_exactly_as_returned(served):
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    spf = r'"v=spf1 include:a\\b \"quoted\" caf\195\169 -all"'
    served.remove(DOMAIN, "TXT")
    served.add(DOMAIN, "TXT", spf)
    report = spam_report()

    evidence_collect(report_id=report.pk)

    record = Evidence.objects.get(report=report, kind=Kind.SPF)
    as_returned = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, spf).to_text()
    assert "\\" in as_returned
    assert record.answer == [as_returned]
    shown = record.response_as_text()
    assert as_returned in shown and "\n" in shown
    assert evidence_digest(record) == record.digest


def test_the_response_is_kept_as_the_bytes_the_server_sent(served):
    """The record keeps the response's wire bytes (what a verifier can parse with any DNS
    library), the digest covers them, and people read them as `dig` shows them."""
    report = spam_report()

    evidence_collect(report_id=report.pk)

    record = Evidence.objects.get(report=report, kind=Kind.SPF)
    wire = bytes(record.response_wire)
    message = dns.message.from_wire(wire)
    assert message.rcode() == dns.rcode.NOERROR
    assert [r.to_text() for r in message.answer[0]] == record.answer
    assert record.response_text == ""
    assert str(message.question[0].name).rstrip(".") == DOMAIN
    assert '"v=spf1 -all"' in record.response_as_text()
    # One byte of the response changed: the digest no longer matches.
    record.response_wire = wire[:-1] + bytes([wire[-1] ^ 1])
    assert evidence_digest(record) != record.digest


def test_a_record_without_the_bytes_keeps_its_digest(served):
    """Records stored before the bytes were kept (the response as text) verify as they did:
    their digest is over the canonical JSON without a wire key."""
    import hashlib
    import json

    report = spam_report()
    record = Evidence(
        report=report, subject="192.0.2.1", kind=Kind.PTR, query_name="1.2.0.192.in-addr.arpa",
        query_type="PTR", server="127.0.0.1:53", outcome=Outcome.NXDOMAIN, ttl=60,
        response_text="id 1\nopcode QUERY\nrcode NXDOMAIN", asked_at=timezone.now(),
    )  # fmt: skip
    canonical = {
        "query_name": record.query_name, "query_type": "PTR", "zone": "", "server": record.server,
        "asked_at": record.asked_at.astimezone(UTC).isoformat(timespec="microseconds"), "outcome": "nxdomain",
        "answer": [], "ttl": 60, "response_text": record.response_text,
    }  # fmt: skip
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert evidence_digest(record) == hashlib.sha256(text.encode()).hexdigest()
    assert record.response_as_text() == record.response_text
