"""A report filed through the API is attributed and checked by a real worker (make test-services)."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.models import Case, Evidence, Report
from complaints.services.partners import partner_create
from subscribers.models import Account
from subscribers.services import account_upsert, block_upsert, session_record, subscriber_upsert
from tests.complaints.samples import spam
from tests.personas import token_client
from tests.services.conftest import wait_for
from tests.support.dnsserver import DnsTestServer

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
# Recent: a blocklist listing only counts as evidence near the time of the spam.
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def dns():
    server = DnsTestServer(
        {
            ("23.100.51.198.in-addr.arpa", "PTR"): ["p23.pool.isp.example.jp."],
            ("p23.pool.isp.example.jp", "A"): ["198.51.100.23"],
            ("23.100.51.198.xbl.test", "A"): ["127.0.0.4"],
            ("23.100.51.198.xbl.test", "TXT"): ['"infected host"'],
            ("pills.example.net", "A"): ["233.252.0.80"],
        }
    ).start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(dns):
    return {
        "ABUSEDESK_DNS_SERVERS": f"127.0.0.1:{dns.port}",
        "ABUSEDESK_DNS_TIMEOUT_MS": "500",
        "ABUSEDESK_DNSBL_ZONES": "xbl.test:exploited",
    }


def test_a_report_is_attributed_and_evidenced_by_the_worker(celery_worker, dns):
    subscriber_upsert(subscriber_id="S-1", name="Customer 1")
    account_upsert(account_id="C-1", subscriber_id="S-1", kind="connection", identifier="c1@isp")
    block_upsert(prefix="198.51.100.0/24", kind="dynamic")
    session_record(
        account=Account.objects.get(account_id="C-1"), ip="198.51.100.23", started_at=AT - timedelta(hours=1)
    )
    _, key = partner_create(name="Receiver")
    response = token_client(key).post(
        "/api/v1/reports/", data=spam(at=AT, helo="mail.customer.example"), content_type="message/rfc822"
    )
    assert response.status_code == 202  # stored; the worker processes it
    pk = response.json()["id"]

    def hijacked():
        # Attributed at once from the inventory (self-operated), then again once the
        # blocklist evidence is in: the address is listed as exploited.
        report = Report.objects.get(pk=pk)
        return report.attribution and report.attribution.get("sending_method") == "hijacked_host"

    assert wait_for(hijacked, timeout=30), Report.objects.get(pk=pk).attribution
    report = Report.objects.get(pk=pk)
    assert report.attribution["accounts"] == ["C-1"]
    assert report.attribution["probable_victim"] is True
    assert "listed_as_exploited" in [s["code"] for s in report.attribution["steps"]]
    # The case follows on the worker too: evidence level and recommendation, a victim.
    case = wait_for(
        lambda: Case.objects.filter(pk=report.case_id, recommendation__culpability="victim").first()
    )
    assert case is not None, Case.objects.get(pk=report.case_id).recommendation
    assert case.sending_method == "hijacked_host"
    assert case.evidence_level == "E3"  # an exploited listing is our own telemetry agreeing
    listing = Evidence.objects.get(subject="198.51.100.23", kind="dnsbl", query_type="A")
    assert listing.listed is True and listing.server == f"127.0.0.1:{dns.port}"
    assert Evidence.objects.filter(subject="pills.example.net", kind="a", outcome="answer").exists()
