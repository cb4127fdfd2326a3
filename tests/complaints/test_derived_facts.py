"""Joe jobs and denials, end to end: intake → attribution → evidence (DNS on loopback,
sender authentication) → evaluation, and what the desk then shows in the API, on the
case page and in the dossier (HTML and PDF), in English and Japanese."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from complaints.choices import Channel
from complaints.models import Case, Evidence
from complaints.services import report_ingest
from sanctions.labels import snake_case_codes
from subscribers.services import account_upsert
from tests.attribution.conftest import HANDOVER, isp  # noqa: F401
from tests.evidence.authmail import message
from tests.personas import token_client
from tests.support.dnsserver import DnsTestServer

pytestmark = pytest.mark.django_db

FOREIGN = "192.0.2.200"  # nobody's of ours
STATIC = "203.0.113.5"  # C-3's static line (subscriber S-3)
HOSTED = "shop.example.jp"  # H-1, subscriber S-4
OWN_SITE = "s3-shop.example.jp"  # S-3's own site, hosted here too


@pytest.fixture
def dns(settings):
    server = DnsTestServer().start()
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", server.port)]
    settings.ABUSEDESK_DNS_TIMEOUT = 0.5
    settings.ABUSEDESK_DNSBL_ZONES = []
    yield server
    server.stop()


@pytest.fixture
def inventory(isp):  # noqa: F811
    account_upsert(account_id="H-3", subscriber_id="S-3", kind="hosting", identifier=OWN_SITE)
    return isp


def spam(origin: str, domain: str, n: int, **kwargs) -> bytes:
    return message(
        origin=origin,
        at=HANDOVER + timedelta(minutes=n),
        header_from=f"sales@{domain}",
        mail_from=f"bounce@{domain}",
        body=f"Our offer: http://{domain}/offer?n={n}\r\n",
        message_id=f"<offer-{n}@{domain}>",
        **kwargs,
    )


def file_reports(raws, reporters, django_capture_on_commit_callbacks, partner=None) -> Case:
    report = None
    for raw, reporter in zip(raws, reporters, strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            if reporter == "api":
                response = token_client(partner[1]).post(
                    "/api/v1/reports/", data=raw, content_type="message/rfc822"
                )
                assert response.status_code == 201, response.content
                pk = response.json()["id"]
                from complaints.models import Report

                report = Report.objects.get(pk=pk)
            else:
                report = report_ingest(
                    raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
                ).report
    return Case.objects.get(pk=report.case_id)


def api_case(staff_token, case, language="en") -> dict:
    response = token_client(staff_token).get(f"/api/v1/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def visible_text(html: str) -> str:
    import re

    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_no_raw_codes(text: str) -> None:
    codes = {c for c in snake_case_codes() if len(c) > 4} | {
        "customer_not_authorised",
        "joe_job_closes",
        "denial_does_not_clear",
        "mail_from",
        "body_not_intact",
    }
    leaked = sorted(c for c in codes if c in text)
    assert not leaked, leaked


# -- a joe job ----------------------------------------------------------------------------


@pytest.fixture
def joe_job_case(inventory, dns, partner, django_capture_on_commit_callbacks):
    # shop.example.jp (our hosting customer S-4) allows only its own server to send.
    dns.add(HOSTED, "TXT", '"v=spf1 ip4:203.0.113.70 -all"')
    dns.add(f"_dmarc.{HOSTED}", "TXT", '"v=DMARC1; p=reject"')
    dns.add(HOSTED, "A", "203.0.113.70")
    raw = spam(FOREIGN, HOSTED, 1, stated="spf=fail smtp.mailfrom=shop.example.jp; dmarc=fail")
    return file_reports([raw], ["api"], django_capture_on_commit_callbacks, partner)


def test_a_forged_customer_domain_from_a_foreign_origin_is_a_joe_job_closing_at_l0(joe_job_case, staff_token):
    case = joe_job_case
    case.refresh_from_db()

    assert "hosting" in case.roles  # the advertised site is ours…
    assert case.recommended_level == "L0"  # …but the customer is not blamed for sending
    assert case.recommendation["no_measure_reason"] == "joe_job"
    assert case.recommendation["culpability"] == "victim"
    facts = api_case(staff_token, case)["facts"]
    assert facts["joe_job"]["value"] is True
    assert facts["joe_job"]["not_blamed"] == ["S-4"]
    [customer] = facts["joe_job"]["customers"]
    assert (customer["subscriber"], customer["status"], customer["named_in"]) == (
        "S-4",
        "joe_job",
        ["envelope", "from"],
    )
    forged = next(s for s in facts["joe_job"]["steps"] if s["code"] == "customer_not_authorised")
    auth_row = Evidence.objects.get(case=case, kind=Evidence.Kind.SENDER_AUTH)
    assert forged["evidence"] == [auth_row.pk]
    assert "SPF fail" in forged["text"] and "DMARC fail" in forged["text"]
    spf_steps = [s for s in facts["sender_authentication"]["steps"] if s["code"] == "spf"]
    assert {s["text"] for s in spf_steps} >= {
        f"SPF for the envelope sender {HOSTED} from {FOREIGN}: fail.",
        f"SPF for the From: domain {HOSTED} from {FOREIGN}: fail.",
    }
    stated = [s["text"] for s in facts["sender_authentication"]["steps"] if s["code"] == "stated"]
    assert any("mx.receiver.example" in t and "not our check" in t for t in stated)


def test_the_joe_job_is_shown_with_its_evidence_in_both_languages(joe_job_case, staff_client, staff_token):
    case = joe_job_case
    auth_row = Evidence.objects.get(case=case, kind=Evidence.Kind.SENDER_AUTH)
    en = staff_client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ja = staff_client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "Possible joe job" in en and f'href="#evidence-{auth_row.pk}"' in en
    assert f'id="evidence-{auth_row.pk}"' in en  # the link lands on the record
    assert "なりすまし" in ja and f'href="#evidence-{auth_row.pk}"' in ja
    assert "Possible joe job" not in ja
    for page in (en, ja):
        assert_no_raw_codes(visible_text(page))
    ja_facts = api_case(staff_token, case, "ja")["facts"]
    assert all(s["text"] and "{" not in s["text"] for s in ja_facts["joe_job"]["steps"])
    assert (
        ja_facts["joe_job"]["steps"][0]["text"]
        != api_case(staff_token, case)["facts"]["joe_job"]["steps"][0]["text"]
    )

    for language, words in (("en", "Possible joe job"), ("ja", "なりすまし")):
        dossier = staff_client.get(f"/sanctions/cases/{case.pk}/dossier/", HTTP_ACCEPT_LANGUAGE=language)
        html = dossier.content.decode()
        assert words in html and f"#{auth_row.pk}" in html
        assert_no_raw_codes(visible_text(html))
        response = staff_client.get(f"/sanctions/cases/{case.pk}/dossier.pdf", HTTP_ACCEPT_LANGUAGE=language)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert words in text.replace("\n", "") and f"#{auth_row.pk}" in text


def test_the_reply_explains_a_joe_job_and_is_refused_where_none_is_shown(
    joe_job_case, inventory, staff, mailoutbox, django_capture_on_commit_callbacks, dns
):
    from abusedesk.errors import ApplicationError
    from complaints.services.replies import case_reply

    with django_capture_on_commit_callbacks(execute=True):
        report_ingest(
            raw=spam(FOREIGN, HOSTED, 2),
            channel=Channel.MAILBOX,
            reporter_key="email:alice@receiver.example",
            acknowledge=False,
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert case_reply(case=joe_job_case, user=staff, template="joe_job") == 1
    assert "our customer did not send it" in mailoutbox[0].body

    other = file_reports(
        [spam(STATIC, OWN_SITE, 9)], ["email:bob@receiver.example"], django_capture_on_commit_callbacks
    )
    with pytest.raises(ApplicationError, match="do not show a joe job"):
        case_reply(case=other, user=staff, template="joe_job")


def test_closing_as_a_joe_job_needs_the_records_to_show_one(joe_job_case, staff_client):
    response = staff_client.post(
        f"/cases/{joe_job_case.pk}/action/",
        {"action": "close", "resolution": "joe_job", "reason": "SPF and DMARC refuse the origin"},
    )
    assert response.status_code == 302
    joe_job_case.refresh_from_db()
    assert (joe_job_case.status, joe_job_case.resolution) == ("closed", "joe_job")


# -- the same customer domain, but the customer's own line: a denial does not clear it ------


@pytest.fixture
def denied_case(inventory, dns, partner, staff, django_capture_on_commit_callbacks):
    dns.add(OWN_SITE, "TXT", f'"v=spf1 ip4:{STATIC} -all"')
    reporters = ["api", "email:alice@receiver.example", "email:bob@other-receiver.example"]
    raws = [spam(STATIC, OWN_SITE, n) for n in range(3)]
    case = file_reports(raws, reporters, django_capture_on_commit_callbacks, partner)
    with django_capture_on_commit_callbacks(execute=True):
        from complaints.services.confirmations import case_confirm

        case_confirm(
            case=case,
            kind="denial",
            statement="The customer says on the phone it never sent it.",
            actor=staff,
        )
    case.refresh_from_db()
    return case


def test_a_denial_does_not_clear_a_customer_whose_own_line_sent_it(denied_case, staff_token, staff_client):
    case = denied_case
    facts = api_case(staff_token, case)["facts"]

    assert facts["joe_job"]["value"] is False and facts["joe_job"]["sender_is_customer"] is True
    codes = [s["code"] for s in facts["joe_job"]["steps"]]
    assert "customer_is_origin" in codes and "denial_does_not_clear" in codes
    # POLICY.md rule 3, self-operated × static × sending: E2 (three reporters) → L3 with L2.
    assert (case.recommendation["rule"], case.evidence_level, case.recommended_level) == ("3", "E2", "L3")
    assert case.recommendation["culpability"] == "intentional"
    ja = staff_client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "否認" in ja
    assert_no_raw_codes(visible_text(ja))


def test_mail_in_another_customers_name_from_our_line_is_forged_sender_information(
    inventory, dns, partner, django_capture_on_commit_callbacks, staff_token
):
    # S-3's static line sends in the name of S-4's shop, whose policy refuses it.
    dns.add(HOSTED, "TXT", '"v=spf1 ip4:203.0.113.70 -all"')
    raws = [spam(STATIC, HOSTED, n) for n in range(3)]
    reporters = ["api", "email:alice@receiver.example", "email:bob@other-receiver.example"]
    case = file_reports(raws, reporters, django_capture_on_commit_callbacks, partner)
    case.refresh_from_db()

    facts = api_case(staff_token, case)["facts"]
    assert facts["joe_job"]["value"] is False  # somebody of ours did send it
    assert facts["joe_job"]["not_blamed"] == ["S-4"]  # …but not the shop whose name was used
    assert facts["aggravating"]["value"] == ["forged_sender"]
    # Forged sender information is aggravating: E4, and the shop's account is not counted.
    assert case.evidence_level == "E4"
    assert "evidence.aggravating:forged_sender" in case.recommendation["evidence_reasons"]
    assert case.recommendation["rule"] == "3"
    assert "C-03b" in case.recommendation["clauses"]
