"""Copyright-infringement notices in ACNS XML are read as such, never as spam.

The notice states the address, port and instant of an infringing connection: the
attribution names who held the address then, the report goes to a person (the spam
criteria do not apply) and the notice's own links are nobody's advertised site.
"""

from __future__ import annotations

import quopri

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel, ReportFormat, ReportStatus
from complaints.models import Case
from complaints.parsing import parse_report
from complaints.parsing.acns import TRIAGE
from complaints.services import report_ingest

pytestmark = pytest.mark.django_db


def acns_xml(ip: str, at: str, *, url: str = "dht", kind: str = "BitTorrent", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="http://www.acns.net/ACNS"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}Infringement {xmlns}>\n'
        f"<{p}Case><{p}ID>42-1234</{p}ID><{p}Status>Open</{p}Status></{p}Case>\n"
        f"<{p}Complainant><{p}Entity>Rights Agent Inc</{p}Entity>"
        f"<{p}Email>notices@rights-agent.example</{p}Email></{p}Complainant>\n"
        f"<{p}Source><{p}TimeStamp>{at}</{p}TimeStamp><{p}IP_Address>{ip}</{p}IP_Address>"
        f"<{p}Port>51413</{p}Port><{p}Type>{kind}</{p}Type></{p}Source>\n"
        f"<{p}Content><{p}Item><{p}Title>A Film</{p}Title><{p}URL>{url}</{p}URL></{p}Item></{p}Content>\n"
        f"</{p}Infringement>\n"
    )


def signed_notice(xml: str) -> bytes:
    """The common shape: prose and the XML in one PGP-signed, quoted-printable text part."""
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "Dear Sir or Madam, our agent detected infringements on your network.\n"
        "See https://www.rights-agent.example/faq and our key at http://pgp.mit.edu/.\n\n"
        "- - ---Start ACNS XML\n" + xml + "- - ---End ACNS XML\n"
        "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n"
    )
    encoded = quopri.encodestring(body.encode()).decode()
    return (
        "From: notices@rights-agent.example\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Notice of Unauthorized Use 42-1234\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        "Message-ID: <n1@rights-agent.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + encoded.replace("\n", "\r\n")
    ).encode()


def attached_notice(xml: str) -> bytes:
    return (
        "From: notices@rights-agent.example\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Copyright notice\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nPlease see the attached notice.\r\n"
        '--b\r\nContent-Type: application/xml; name="notice.xml"\r\n\r\n' + xml.replace("\n", "\r\n") + "--b--\r\n"
    ).encode()


def test_a_signed_notice_states_address_port_and_instant_and_goes_to_a_person():
    parsed = parse_report(signed_notice(acns_xml("198.51.100.23", "2026-11-20T05:29:00.000Z")))
    assert parsed.format == ReportFormat.ACNS and parsed.category == "copyright"
    assert parsed.message_kind == "machine_report"
    assert parsed.source_ip == "198.51.100.23" and parsed.source_basis == "field"
    assert parsed.source_port_stated == 51413
    assert parsed.occurred_at.isoformat() == "2026-11-20T05:29:00+00:00"
    assert parsed.report_id == "42-1234" and parsed.reporter == "notices@rights-agent.example"
    assert parsed.parse_error == TRIAGE
    assert parsed.url_hosts == []  # the agent's FAQ and the key server advertise nothing


def test_a_notice_attached_as_xml_with_a_prefix_and_a_web_item():
    xml = acns_xml("203.0.113.70", "2026-11-20T05:29:00Z", url="http://files.shop.example.jp/film.mkv", prefix="acns")
    parsed = parse_report(attached_notice(xml))
    assert parsed.format == ReportFormat.ACNS and parsed.source_ip == "203.0.113.70"
    assert parsed.url_hosts == ["files.shop.example.jp"]  # the file's site may be ours to host


def test_a_notice_whose_address_is_not_one_says_so():
    parsed = parse_report(signed_notice(acns_xml("92.222.64.5.4", "2026-11-20T05:29:00Z")))
    assert parsed.format == ReportFormat.ACNS and parsed.source_ip is None
    assert TRIAGE in parsed.parse_error and "not an IP address" in parsed.parse_error


def test_other_xml_named_infringement_is_not_a_notice():
    raw = (
        b"From: a@b.example\r\nTo: abuse@isp.example.jp\r\nSubject: hi\r\n\r\n"
        b"<Infringement><Note>not ACNS</Note></Infringement>\r\n"
    )
    assert parse_report(raw).format != ReportFormat.ACNS


def test_the_notice_names_who_held_the_address_and_opens_no_spam_case(isp):
    raw = signed_notice(acns_xml("198.51.100.23", "2026-11-20T05:29:00Z"))  # a minute before the handover
    report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:n@x", acknowledge=False).report
    assert report.status == ReportStatus.MANUAL_TRIAGE and report.status_reason.startswith(TRIAGE)
    assert report.case_id is None and not Case.objects.exists()
    attribution = report_attribute(report_id=report.pk)
    assert attribution["accounts"] == ["C-1"]
