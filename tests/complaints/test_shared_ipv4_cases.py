"""Shared IPv4 end to end: reports from a CGN or MAP-E address, with and without a source
port, through intake and attribution to the case's facts in the API, the case page and the
dossier (English and Japanese), and the sanctions guard at the API and the browser form."""

import io
import json
from datetime import timedelta
from email.utils import format_datetime

import pytest
from pypdf import PdfReader

from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from subscribers.models import Account, NatPortBlock
from subscribers.services import block_upsert, nat_block_record, session_record
from tests.attribution.conftest import HANDOVER, isp  # noqa: F401
from tests.personas import token_client
from tests.sanctions import factories

pytestmark = pytest.mark.django_db

CGN = "203.0.113.130"  # in the shared pool 203.0.113.128/28 (NAT port-block logs)
MAPE = "192.0.2.18"  # in the MAP-E block 192.0.2.0/24 (rule 2001:db8::/40, EA 16, offset 6)
AT = HANDOVER + timedelta(minutes=10)


@pytest.fixture
def shared_isp(isp):  # noqa: F811
    block_upsert(prefix="203.0.113.128/28", kind="shared")
    block_upsert(prefix="192.0.2.0/24", kind="shared", map_rule_ipv6="2001:db8::/40", map_ea_bits=16)
    c1, c2 = Account.objects.get(account_id="C-1"), Account.objects.get(account_id="C-2")
    nat_block_record(account=c1, address=CGN, port_start=1024, port_end=2047, started_at=HANDOVER)
    nat_block_record(account=c2, address=CGN, port_start=2048, port_end=3071, started_at=HANDOVER)
    # RFC 7597 example: 192.0.2.18 with PSID 0x34 is the CE of 2001:db8:12:3400::/56.
    session_record(account=c2, ip="2001:db8:12:3400::/56", started_at=HANDOVER - timedelta(days=1))
    return isp


def spam(origin_clause: str, n: int = 1) -> bytes:
    return (
        f"Received: from pc-1 ({origin_clause}) by mx.receiver.example (Postfix) with ESMTP id 4Q{n}; "
        f"{format_datetime(AT)}\r\n"
        f"From: sales@offers.example\r\nTo: victim@receiver.example\r\nSubject: Offer {n}\r\n"
        f"Date: {format_datetime(AT)}\r\nMessage-ID: <offer-{n}@offers.example>\r\n\r\nBuy now!\r\n"
    ).encode()


def ingest(raw: bytes, capture, reporter="email:alice@receiver.example") -> Case:
    with capture(execute=True):
        report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False).report
    report.refresh_from_db()
    return Case.objects.get(pk=report.case_id)


def api_facts(token, case, language="en") -> dict:
    response = token_client(token).get(f"/api/v1/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()["facts"]["shared_ipv4"]


# -- without a port: nobody is named ---------------------------------------------------------


@pytest.fixture
def unidentified(shared_isp, django_capture_on_commit_callbacks):
    return ingest(spam(f"unknown [{CGN}]"), django_capture_on_commit_callbacks)


def test_a_shared_address_without_a_port_names_no_account(unidentified, staff_token):
    case = unidentified
    case.refresh_from_db()
    report = case.reports.get()
    assert report.attribution["accounts"] == [] and case.accounts == []
    assert report.attribution["shared_ipv4"] == {
        "address": CGN,
        "port": None,
        "identified": False,
        "account": None,
        "how": None,
    }
    assert [s["code"] for s in report.attribution["steps"]][-1] == "shared_no_port"
    fact = api_facts(staff_token, case)
    assert (fact["value"], fact["identified"], fact["address"], fact["port"], fact["account"], fact["how"]) == (
        True,
        False,
        CGN,
        None,
        None,
        None,
    )
    [step] = fact["steps"]
    assert step["text"].startswith("Shared address: cannot identify the subscriber.")
    assert step["reports"] == [report.pk]


def test_the_case_page_and_dossier_say_so_in_both_languages(unidentified, staff_client):
    case = unidentified
    for language, words in (("en", "Shared address: cannot identify the subscriber"), ("ja", "共有アドレスのため利用者を特定できません")):
        page = staff_client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert words in page and 'data-fact="shared_ipv4" data-value="true"' in page
        assert f'data-address="{CGN}"' in page and 'data-account=""' in page
        dossier = staff_client.get(f"/sanctions/cases/{case.pk}/dossier/", HTTP_ACCEPT_LANGUAGE=language)
        assert dossier.status_code == 200 and words in dossier.content.decode()
        pdf = staff_client.get(f"/sanctions/cases/{case.pk}/dossier.pdf", HTTP_ACCEPT_LANGUAGE=language)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert words in text.replace("\n", "")
    ja = staff_client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "Shared address: cannot identify the subscriber" not in ja


def test_no_measure_can_name_an_account_over_the_api(unidentified, staff_token):
    body = {
        "case": unidentified.pk,
        "account": "C-1",
        "level": "L1",
        "justification": "Spam from the shared address.",
        "clauses": ["C-03a"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(unidentified),
        "culpability": "undetermined",
    }
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "shared IPv4" in json.dumps(response.json()["fields"]["account"])


def test_no_measure_can_name_an_account_from_the_browser(unidentified, staff_client):
    from sanctions.models import Sanction

    form = {
        "level": "L1",
        "account": Account.objects.get(account_id="C-1").pk,
        "justification": "Spam from the shared address.",
        "clauses": ["C-03a"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(unidentified),
        "culpability": "undetermined",
    }
    response = staff_client.post(f"/sanctions/cases/{unidentified.pk}/propose/", form)
    assert response.status_code == 400  # the form again, with the reason
    page = response.content.decode()
    # The form offers only the accounts the attribution named (none here) and says why.
    assert "Select a valid choice" in page and "data-shared-ipv4" in page
    assert not Sanction.objects.exists()
    ja = staff_client.get(f"/sanctions/cases/{unidentified.pk}/propose/", HTTP_ACCEPT_LANGUAGE="ja")
    assert "共有アドレスのため利用者を特定できません" in ja.content.decode()


def test_the_service_behind_every_entry_point_refuses_an_account(unidentified, staff):
    from django.utils import translation

    from abusedesk.errors import ApplicationError
    from sanctions.models import Sanction

    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        factories.propose(unidentified, staff, account=Account.objects.get(account_id="C-1"), level="L1")
    assert "shared IPv4" in " ".join(str(m) for m in refused.value.fields["account"])
    assert not Sanction.objects.exists()


# -- with a port: the one subscriber -------------------------------------------------------


def test_a_port_in_the_received_hop_and_the_nat_log_name_the_one_subscriber(
    shared_isp, django_capture_on_commit_callbacks, staff_token, staff_client
):
    case = ingest(spam(f"unknown [{CGN}]:2100"), django_capture_on_commit_callbacks)
    case.refresh_from_db()
    report = case.reports.get()
    row = NatPortBlock.objects.get(account__account_id="C-2")
    assert report.facts["source_port"] == 2100
    assert report.attribution["accounts"] == ["C-2"] and case.accounts == ["C-2"]
    assert {"type": "nat_port_block", "id": row.pk} in report.attribution["records"]
    step = next(s for s in report.attribution["steps"] if s["code"] == "shared_natlog")
    assert (step["port"], step["ports"], step["record"], step["account"]) == (2100, "2048-3071", row.pk, "C-2")
    fact = api_facts(staff_token, case)
    assert (fact["value"], fact["identified"], fact["port"], fact["account"], fact["how"]) == (
        False,
        True,
        2100,
        "C-2",
        "natlog",
    )
    assert "C-2" in fact["steps"][0]["text"] and "NAT" in fact["steps"][0]["text"]
    page = staff_client.get(f"/cases/{case.pk}/").content.decode()
    assert "the source port identifies the subscriber" in page and 'data-account="C-2"' in page
    # The attribution step with its NAT-log record, as a sentence.
    assert f"port block {row.pk}" in page
    # A subscriber behind the NAT is on a dynamic connection: the criteria's rule for
    # direct-to-MX spam from one applies as it would without the NAT.
    from sanctions.facts import case_facts

    case.refresh_from_db()
    assert case_facts(case).connection_type == "dynamic"
    assert case.recommendation["rule"] == "4", case.recommendation


def test_an_xarf_source_port_on_a_mape_address_maps_through_the_ipv6_prefix(
    shared_isp, partner, django_capture_on_commit_callbacks, staff_token, staff_client
):
    body = {
        "xarf_version": "4.0.0",
        "report_id": "0b6c1e5e-0f3e-4a4e-9c1e-5e0f3e4a4e9c",
        "timestamp": AT.isoformat(),
        "reporter": {"org": "Trap", "contact": "abuse@trap.example", "type": "automated"},
        "source_identifier": MAPE,
        "source_port": 1232,
        "category": "messaging",
        "type": "spam",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert report.attribution["accounts"] == ["C-2"]
    assert report.attribution["shared_ipv4"]["how"] == "map_e"
    assert report.attribution["shared_ipv4"]["ipv6_prefix"] == "2001:db8:12:3400::/56"
    step = next(s for s in report.attribution["steps"] if s["code"] == "shared_map_e")
    assert (step["psid"], step["prefix"]) == (0x34, "2001:db8:12:3400::/56")
    fact = api_facts(staff_token, report.case)
    assert (fact["identified"], fact["account"], fact["how"], fact["port"]) == (True, "C-2", "map_e", 1232)
    for language in ("en", "ja"):
        dossier = staff_client.get(
            f"/sanctions/cases/{report.case_id}/dossier/", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert "2001:db8:12:3400::/56" in dossier and "C-2" in dossier


def test_an_arf_source_port_is_the_port_of_its_source_ip(shared_isp, django_capture_on_commit_callbacks):
    arf = (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: FW: report\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\nSource-IP: {CGN}\r\n"
        f"Source-Port: 1500\r\nArrival-Date: {format_datetime(AT)}\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: sales@offers.example\r\nSubject: Offer\r\nDate: {format_datetime(AT)}\r\n\r\n--b--\r\n"
    ).encode()
    case = ingest(arf, django_capture_on_commit_callbacks, reporter="email:fbl@receiver.example")
    report = case.reports.get()
    assert report.facts["source_port"] == 1500
    assert report.attribution["shared_ipv4"]["account"] == "C-1"


def test_a_port_nobody_held_names_nobody(shared_isp, django_capture_on_commit_callbacks, staff_token):
    case = ingest(spam(f"unknown [{CGN}] port 9999"), django_capture_on_commit_callbacks)
    report = case.reports.get()
    assert report.attribution["accounts"] == []
    assert report.attribution["steps"][-1]["code"] == "shared_no_port_block"
    fact = api_facts(staff_token, case)
    assert (fact["value"], fact["port"], fact["account"]) == (True, 9999, None)


def test_each_subscriber_behind_one_shared_address_has_a_case_of_their_own(
    shared_isp, django_capture_on_commit_callbacks
):
    """Keyed by the outside address, C-1's and C-2's reports would share one case naming
    two subscribers (E0 for both, forever); each port block's holding is its own case,
    and a report without a port stays on the address's case, naming nobody."""
    capture = django_capture_on_commit_callbacks
    c1 = [ingest(spam(f"unknown [{CGN}]:1500", n), capture, f"email:r{n}@receiver.example") for n in (1, 2, 3)]
    c2 = ingest(spam(f"unknown [{CGN}]:2100", 4), capture)
    no_port = ingest(spam(f"unknown [{CGN}]", 5), capture)
    assert len({case.pk for case in c1}) == 1
    case1 = c1[0]
    case1.refresh_from_db()
    c2.refresh_from_db()
    row1 = NatPortBlock.objects.get(account__account_id="C-1")
    assert case1.key == f"natblock:{row1.pk}" and case1.kind == "session"
    assert case1.accounts == ["C-1"] and case1.report_count == 3
    assert "ports 1024-2047" in case1.subject
    assert c2.pk != case1.pk and c2.accounts == ["C-2"]
    assert no_port.key == f"ip:{CGN}" and no_port.pk not in (case1.pk, c2.pk)
    # Three reporters about C-1's holding: E2, as for an address of its own.
    assert case1.evidence_level == "E2", case1.recommendation


def test_a_mape_address_with_its_port_is_grouped_by_the_holder_session(shared_isp, django_capture_on_commit_callbacks):
    """Under MAP-E the port names the subscriber's IPv6 prefix: its session is the case."""
    case = ingest(spam(f"unknown [{MAPE}]:1232", 6), django_capture_on_commit_callbacks)
    case.refresh_from_db()
    report = case.reports.get()
    session = next(r["id"] for r in report.attribution["records"] if r["type"] == "session")
    assert case.key == f"session:{session}" and case.accounts == ["C-2"]


def arf_with_port(stated: int, in_line: int, n: int = 1) -> bytes:
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: report\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\nSource-IP: {CGN}\r\n"
        f"Source-Port: {stated}\r\nArrival-Date: {format_datetime(AT)}\r\n\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        f"Received: from pc (unknown [{CGN}]:{in_line}) by mx.receiver.example (Postfix) with ESMTP id 1A{n}; "
        f"{format_datetime(AT)}\r\nFrom: sales@offers.example\r\nSubject: Offer {n}\r\nMessage-ID: <o{n}@x.example>\r\n"
        f"Date: {format_datetime(AT)}\r\n\r\nBuy\r\n--b--\r\n"
    ).encode()


def test_two_ports_for_the_shared_address_name_nobody(shared_isp, django_capture_on_commit_callbacks):
    """The FBL's Source-Port (1500: C-1's block) and the receiver's own line (2100: C-2's)
    disagree: each names another subscriber, and the desk cannot tell which is right.
    It named C-1 (E2 and an L2 warning after three such reports)."""
    for n in range(3):
        case = ingest(arf_with_port(1500, 2100, n), django_capture_on_commit_callbacks, reporter=f"email:fbl@r{n}.example")
    report = case.reports.order_by("pk").last()
    assert report.attribution["accounts"] == [] and report.attribution["shared_ipv4"]["identified"] is False
    assert any("they disagree" in p for p in report.facts["problems"])
    case.refresh_from_db()
    assert case.accounts == [] and case.evidence_level in ("", "E0")


def test_the_same_port_in_both_names_its_holder(shared_isp, django_capture_on_commit_callbacks):
    case = ingest(arf_with_port(2100, 2100), django_capture_on_commit_callbacks)
    assert case.reports.get().attribution["accounts"] == ["C-2"]


def test_two_ports_in_one_allocation_still_name_its_holder(shared_isp, django_capture_on_commit_callbacks):
    """2100 (the field) and 2150 (the receiver's line) differ, but both lie in C-2's block
    2048-3071: whichever is right, C-2 held it (the dispute named nobody)."""
    case = ingest(arf_with_port(2100, 2150), django_capture_on_commit_callbacks)
    report = case.reports.get()
    assert report.attribution["accounts"] == ["C-2"]
    assert "ports_in_one_allocation" in [s["code"] for s in report.attribution["steps"]]
    assert case.key.startswith("natblock:")
    # The parser's note must not say "no port is used" beside an attribution that used one.
    note = next(p for p in report.facts["problems"] if "they disagree" in p)
    assert "no port is used" not in note and "names the same subscriber" in note
