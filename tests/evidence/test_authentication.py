"""Sender authentication as evidence, against the loopback DNS server.

Messages are signed here with dkimpy and a key made in the test; the zone publishes
its public half. Every DNS answer must be an evidence row, the result one more.
"""

from datetime import UTC, datetime

import pytest

from complaints.evidence.authentication import (
    aligned,
    sender_authentication_collect,
)
from complaints.evidence.services import evidence_digest
from complaints.models import Evidence

from .authmail import ingest, make_key, message

pytestmark = pytest.mark.django_db

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ORIGIN = "198.51.100.7"
DOMAIN = "shop.example"


def checks(record, check):
    return [c for c in record.answer if c["check"] == check]


def spf_of(record, identity="mail_from"):
    return next(c for c in checks(record, "spf") if c["identity"] == identity)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (['"v=spf1 ip4:198.51.100.0/24 -all"'], "pass"),
        (['"v=spf1 ip4:192.0.2.10 -all"'], "fail"),
        (['"v=spf1 ip4:192.0.2.10 ~all"'], "softfail"),
        (['"v=spf1 ip4:192.0.2.10 ?all"'], "neutral"),
        ([], "none"),
        (['"v=spf1 ip4:192.0.2.10 -all"', '"v=spf1 -all"'], "permerror"),  # two SPF records
        (['"v=spf1 include:nowhere.example -all"'], "permerror"),  # include of a name without SPF
    ],
)
def test_spf_of_the_envelope_sender_against_the_origin(dns_server, records, expected):
    if records:
        dns_server.add(DOMAIN, "TXT", *records)
    report = ingest(message(origin=ORIGIN, at=AT))

    record = sender_authentication_collect(report_id=report.pk)

    assert spf_of(record)["result"] == expected
    assert spf_of(record, "from")["result"] == expected  # same domain in From:


def test_spf_follows_includes_and_mx_through_our_resolver(dns_server):
    dns_server.add(DOMAIN, "TXT", '"v=spf1 include:_spf.esp.example -all"')
    dns_server.add("_spf.esp.example", "TXT", '"v=spf1 mx:esp.example -all"')
    dns_server.add("esp.example", "MX", "10 mx.esp.example.")
    dns_server.add("mx.esp.example", "A", ORIGIN)
    report = ingest(message(origin=ORIGIN, at=AT))

    record = sender_authentication_collect(report_id=report.pk)

    assert spf_of(record)["result"] == "pass"
    rows = Evidence.objects.filter(report=report).exclude(pk=record.pk)
    asked = {(e.kind, e.query_name, e.query_type) for e in rows}
    assert {
        ("spf", "shop.example", "TXT"),
        ("spf", "_spf.esp.example", "TXT"),
        ("mx", "esp.example", "MX"),
        ("a", "mx.esp.example", "A"),
    } <= asked
    assert dns_server.asked("mx.esp.example", "A") == 1


def test_a_dns_failure_is_a_temperror_on_record(dns_server):
    dns_server.servfail.add(DOMAIN)
    report = ingest(message(origin=ORIGIN, at=AT))

    record = sender_authentication_collect(report_id=report.pk)

    assert spf_of(record)["result"] == "temperror"
    failed = Evidence.objects.get(report=report, kind="spf", query_name=DOMAIN)
    assert failed.outcome == "servfail"


@pytest.fixture
def key():
    return make_key()


def _publish(dns_server, txt, selector="sel", domain=DOMAIN):
    dns_server.add(f"{selector}._domainkey.{domain}", "TXT", txt)


def test_dkim_valid_signature(dns_server, key):
    private, txt = key
    _publish(dns_server, txt)
    report = ingest(message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN)))

    record = sender_authentication_collect(report_id=report.pk)

    [dkim] = checks(record, "dkim")
    assert (dkim["domain"], dkim["selector"], dkim["result"]) == (DOMAIN, "sel", "pass")
    key_row = Evidence.objects.get(report=report, kind="dkim")
    assert (key_row.subject, key_row.query_name) == (DOMAIN, f"sel._domainkey.{DOMAIN}")


def test_dkim_invalid_signature_when_another_key_is_published(dns_server, key):
    private, _txt = key
    _other_private, other_txt = make_key()
    _publish(dns_server, other_txt)
    report = ingest(message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN)))

    [dkim] = checks(sender_authentication_collect(report_id=report.pk), "dkim")

    assert dkim["result"] == "fail"


def test_dkim_body_modified_after_signing(dns_server, key):
    private, txt = key
    _publish(dns_server, txt)
    raw = message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN))
    raw = raw.replace(b"Buy now!", b"Buy later")  # a reporter's redaction, a footer, a filter
    report = ingest(raw)

    [dkim] = checks(sender_authentication_collect(report_id=report.pk), "dkim")

    assert dkim["result"] == "body_modified"


def test_dkim_without_a_published_key_is_a_permerror(dns_server, key):
    private, _txt = key
    report = ingest(message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN)))

    [dkim] = checks(sender_authentication_collect(report_id=report.pk), "dkim")

    assert dkim["result"] == "permerror"
    assert Evidence.objects.get(report=report, kind="dkim").outcome == "nxdomain"


def test_dmarc_aligned_by_dkim(dns_server, key):
    private, txt = key
    _publish(dns_server, txt)
    dns_server.add(DOMAIN, "TXT", '"v=spf1 -all"')
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject"')
    report = ingest(message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN)))

    [dmarc] = checks(sender_authentication_collect(report_id=report.pk), "dmarc")

    assert (dmarc["result"], dmarc["dkim_aligned"], dmarc["spf_aligned"], dmarc["policy"]) == (
        "pass",
        True,
        False,
        "reject",
    )


def test_dmarc_aligned_by_spf_of_a_subdomain_in_relaxed_mode(dns_server):
    dns_server.add("bounce.shop.example", "TXT", '"v=spf1 ip4:198.51.100.7 -all"')
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=quarantine"')
    report = ingest(message(origin=ORIGIN, at=AT, mail_from="b@bounce.shop.example"))

    [dmarc] = checks(sender_authentication_collect(report_id=report.pk), "dmarc")

    assert (dmarc["result"], dmarc["spf_aligned"], dmarc["aspf"]) == ("pass", True, "r")


def test_dmarc_not_aligned_in_strict_mode_or_with_a_foreign_signature(dns_server, key):
    private, txt = key
    _publish(dns_server, txt, domain="esp.example")
    dns_server.add("bounce.shop.example", "TXT", '"v=spf1 ip4:198.51.100.7 -all"')
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject; aspf=s"')
    raw = message(
        origin=ORIGIN, at=AT, mail_from="b@bounce.shop.example", sign=(private, "sel", "esp.example")
    )
    report = ingest(raw)

    record = sender_authentication_collect(report_id=report.pk)

    [dmarc] = checks(record, "dmarc")
    [dkim] = checks(record, "dkim")
    assert dkim["result"] == "pass" and dkim["domain"] == "esp.example"
    assert spf_of(record)["result"] == "pass"
    assert (dmarc["result"], dmarc["spf_aligned"], dmarc["dkim_aligned"]) == ("fail", False, False)


def test_dmarc_falls_back_to_the_organisational_domain(dns_server):
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=none; sp=reject"')
    report = ingest(message(origin=ORIGIN, at=AT, header_from="news@mail.shop.example", mail_from=None))

    [dmarc] = checks(sender_authentication_collect(report_id=report.pk), "dmarc")

    assert (dmarc["record_at"], dmarc["policy"], dmarc["result"]) == (DOMAIN, "reject", "fail")


def test_relaxed_alignment_is_the_organisational_domain_strict_the_same_name():
    assert aligned("a.shop.example", "shop.example", "r") and not aligned(
        "a.shop.example", "shop.example", "s"
    )


def test_the_receivers_stated_results_are_kept_apart_and_forged_ones_ignored(dns_server):
    raw = message(origin=ORIGIN, at=AT, stated="spf=fail smtp.mailfrom=shop.example; dkim=none")
    # A header below the origin hop was written by the sender: not the receiver's word.
    raw = raw.replace(
        b"From: sales@shop.example",
        b"Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=shop.example\r\n"
        b"From: sales@shop.example",
    )
    report = ingest(raw)

    stated = checks(sender_authentication_collect(report_id=report.pk), "stated")

    assert [(s["authserv_id"], s["method"], s["result"]) for s in stated] == [
        ("mx.receiver.example", "spf", "fail"),
        ("mx.receiver.example", "dkim", "none"),
    ]


def test_every_answer_is_an_immutable_digested_row_and_a_second_run_asks_nothing(dns_server, key):
    private, txt = key
    _publish(dns_server, txt)
    dns_server.add(DOMAIN, "TXT", '"v=spf1 ip4:192.0.2.10 -all"')
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject"')
    report = ingest(message(origin=ORIGIN, at=AT, sign=(private, "sel", DOMAIN)))

    record = sender_authentication_collect(report_id=report.pk)
    asked = dns_server.queries
    again = sender_authentication_collect(report_id=report.pk)

    assert again.pk == record.pk and dns_server.queries == asked
    rows = list(Evidence.objects.filter(report=report))
    assert {r.kind for r in rows} == {"spf", "dkim", "dmarc", "sender_auth"}
    assert all(r.digest == evidence_digest(r) for r in rows)
    dns_ids = {r.pk for r in rows if r.kind != "sender_auth"}
    assert set(__import__("json").loads(record.response_text)["evidence"]) == dns_ids
    assert record.case_id == report.case_id is not None
    with pytest.raises(ValueError):
        record.save()


def test_a_later_report_reuses_fresh_answers_and_still_cites_them(dns_server):
    dns_server.add(DOMAIN, "TXT", '"v=spf1 ip4:192.0.2.10 -all"')
    first = sender_authentication_collect(report_id=ingest(message(origin=ORIGIN, at=AT)).pk)
    asked = dns_server.asked(DOMAIN, "TXT")
    second_report = ingest(message(origin=ORIGIN, at=AT, message_id="<m2@shop.example>"))

    second = sender_authentication_collect(report_id=second_report.pk)

    assert dns_server.asked(DOMAIN, "TXT") == asked
    spf_row = Evidence.objects.get(kind="spf", query_name=DOMAIN)
    import json

    assert spf_row.pk in json.loads(first.response_text)["evidence"]
    assert spf_row.pk in json.loads(second.response_text)["evidence"]


def test_a_report_without_a_sender_or_origin_is_not_evaluated(dns_server):
    report = ingest(message(origin=ORIGIN, at=AT, header_from="nobody", mail_from=None))

    assert sender_authentication_collect(report_id=report.pk) is None
    assert dns_server.queries == 0
