"""Content reports (a phishing page, a malware download) name a URL, not a sending address.

X-ARF 0.1/0.2 mail ("Source-Type: uri", "Download-Link"), XARF v3 JSON
(`Report.Source.URL`) and XARF v4 (`source_identifier` a URL): the URL's host is the
reported resource, so a site on our hosting is found and its account named, and the
report is not sent to a person as unreadable for lacking an IP address.
"""

from __future__ import annotations

import json

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import CaseKind, Channel, ReportStatus
from complaints.models import Report
from complaints.parsing import parse_report
from complaints.services import report_ingest
from tests.attribution.test_complaint_times import complained_in_english
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db

PHISH = "https://www.shop.example.jp/secure/login.php"  # on hosting account H-1 (conftest)


def xarf_mail(fields: dict[str, str]) -> bytes:
    yaml = "\r\n".join(f"{k}: {v}" for k, v in fields.items())
    return (
        "From: abuse-reports@reporter.example\r\n"
        "To: abuse@isp.example.jp\r\n"
        "Subject: abuse report about a phishing site\r\n"
        "Date: Fri, 20 Nov 2026 14:00:00 +0900\r\n"
        "Message-ID: <x1@reporter.example>\r\n"
        "X-ARF: YES\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
        "\r\n"
        "--b\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "A phishing page on your network, details attached.\r\n"
        "--b\r\n"
        'Content-Type: text/plain; charset=utf-8; name="report.txt"\r\n'
        "\r\n"
        f"---\r\n{yaml}\r\n"
        "--b--\r\n"
    ).encode()


def v3(source: dict) -> bytes:
    return json.dumps(
        {
            "Version": "3.0.0",
            "ReporterInfo": {"ReporterOrg": "Vendor", "ReporterOrgEmail": "abuse@vendor.example"},
            "Report": {
                "ReportClass": "Content",
                "ReportType": "phishing",
                "Date": "2026-11-20T05:00:00Z",
                "Source": source,
            },
        }
    ).encode()


def v4(source_identifier: str) -> bytes:
    return json.dumps(
        {
            "xarf_version": "4.0.0",
            "report_id": "7d444b5b-9b4c-4b4e-9b7e-2f8f4f0c1a11",
            "timestamp": "2026-11-20T05:00:00Z",
            "reporter": {"org": "Vendor", "contact": "abuse@vendor.example", "domain": "vendor.example"},
            "sender": {"org": "Vendor", "contact": "abuse@vendor.example", "domain": "vendor.example"},
            "source_identifier": source_identifier,
            "category": "content",
            "type": "phishing",
            "evidence_source": "crawler",
        }
    ).encode()


FIELDS = {
    "Reported-From": "abuse-reports@reporter.example",
    "Category": "fraud",
    "Report-Type": "phishing",
    "Service": "http",
    "Version": "0.1",
    "User-Agent": "reporter 1.0",
    "Date": "Fri, 20 Nov 2026 14:00:00 +0900",
    "Source-Type": "uri",
    "Source": PHISH,
    "Schema-URL": "http://www.x-arf.org/schema/fraud_0.1.3.json",
    "Attachment": "none",
}


@pytest.mark.parametrize(
    "raw, content_type",
    [
        (xarf_mail(FIELDS), "message/rfc822"),
        (v3({"URL": PHISH, "Type": "uri"}), "application/json"),
        (v4(PHISH), "application/json"),
    ],
    ids=["x-arf-0.2", "xarf-3", "xarf-4"],
)
def test_a_phishing_page_on_our_hosting_names_its_account(isp, raw, content_type):
    result = report_ingest(
        raw=raw, channel=Channel.API, reporter_key="partner:vendor", content_type=content_type, acknowledge=False
    )
    report = result.report
    assert report.status == ReportStatus.PARSED, report.status_reason
    assert report.source_ip is None and report.url_hosts == ["www.shop.example.jp"]
    assert report.category == "phishing"
    # The case is the site as the inventory registers it (www. and the bare name are one site).
    assert report.case.kind == CaseKind.HOST and report.case.subject == "shop.example.jp"
    attribution = report_attribute(report_id=report.pk)
    assert "hosting" in attribution["roles"] and attribution["accounts"] == ["H-1"]


def test_the_schema_link_is_not_a_reported_url_but_a_download_link_is():
    fields = dict(FIELDS, **{"Source-Type": "ipv4", "Source": "192.0.2.77", "Report-Type": "malware-attack"})
    fields["Download-Link"] = "http://files.bad.example/payload.exe"
    parsed = parse_report(xarf_mail(fields), content_type="message/rfc822")
    assert parsed.parse_error is None
    assert parsed.source_ip == "192.0.2.77"
    assert parsed.url_hosts == ["files.bad.example"]  # not www.x-arf.org
    assert parsed.category == "malware"


def test_a_v3_report_with_neither_an_address_nor_a_url_is_still_refused():
    parsed = parse_report(v3({"Type": "uri", "URL": "not a url"}), content_type="application/json")
    assert parsed.parse_error == "XARF v3 report lacks Report.SourceIp"
    assert parsed.url_hosts == []


def test_a_v4_source_that_is_neither_an_address_a_host_nor_a_url_is_refused():
    parsed = parse_report(v4("javascript:alert(1)"), content_type="application/json")
    assert parsed.parse_error and "neither an IP address nor a host name" in parsed.parse_error
    assert parsed.url_hosts == []


def test_a_v4_copyright_notice_about_a_site_we_host_goes_to_a_person_naming_the_account(isp):
    from complaints.models import Case
    from complaints.parsing.acns import TRIAGE

    data = json.loads(v4("www.shop.example.jp"))
    data.update(category="copyright", type="cyberlocker")
    report = report_ingest(
        raw=json.dumps(data).encode(), channel=Channel.API, reporter_key="partner:vendor",
        content_type="application/json", acknowledge=False,
    ).report  # fmt: skip
    assert report.status == ReportStatus.MANUAL_TRIAGE and report.status_reason.startswith(TRIAGE)
    assert report.category == "copyright" and report.url_hosts == ["www.shop.example.jp"]
    assert report.case_id is None and not Case.objects.exists()
    attribution = report_attribute(report_id=report.pk)
    assert "hosting" in attribution["roles"] and attribution["accounts"] == ["H-1"]


def test_a_v4_host_name_source_is_the_reported_host():
    data = json.loads(v4("phish.example.net"))
    parsed = parse_report(json.dumps(data).encode(), content_type="application/json")
    assert parsed.parse_error is None and parsed.url_hosts == ["phish.example.net"]


def test_a_firewall_sharing_services_worm_notice_is_no_spam(isp):
    """myNetWatchman's plain-text incident (firewall logs of NetBIOS probes, "W32.Opaserv
    Worm?"): read as spam, the static line's holder was taken for a spammer running its
    own server. It is an infected machine: the holder a victim (rule 5)."""
    result = complained_in_english(
        "Our sensors indicate suspicious activity originating from your network.\r\n"
        "Here are the aggregated firewall logs:\r\nSource IP: 203.0.113.5\r\nTime Zone: UTC\r\n\r\n"
        "AgentName, Event Date Time, Destination IP, IP Protocol, Target Port, Issue Description\r\n"
        "youngerberry, 20 Nov 2026 05:10:04, 68.19.1.1, 17, 137, W32.Opaserv Worm?\r\n"
    )
    assert result["accounts"] == ["C-3"], codes(result)
    assert result["sending_method"] == "hijacked_host", codes(result)
    assert Report.objects.get().category == "malware"
