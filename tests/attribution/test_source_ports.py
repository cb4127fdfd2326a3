"""The source port of a shared (CGN) address, as complaints write it: right after the
address in a log line ("203.0.113.130 port 51234"), or in a table's source-port column.
A destination port is never the source port, nor a port written with another address."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import format_datetime

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.parsing import parse_report
from complaints.services import report_ingest
from subscribers.models import Account
from subscribers.services import block_upsert, nat_block_record
from tests.attribution.conftest import HANDOVER

CGN = "203.0.113.130"
AT = HANDOVER + timedelta(minutes=20)


@pytest.fixture
def cgn(isp):
    block_upsert(prefix="203.0.113.128/28", kind="shared")
    c1, c2, c3 = (Account.objects.get(account_id=a) for a in ("C-1", "C-2", "C-3"))
    # C-1 held 50176-51199 until HANDOVER, then C-3; C-2 holds 51200-52223 throughout.
    nat_block_record(
        account=c1, address=CGN, port_start=50176, port_end=51199,
        started_at=HANDOVER - timedelta(hours=5), stopped_at=HANDOVER,
    )  # fmt: skip
    nat_block_record(account=c3, address=CGN, port_start=50176, port_end=51199, started_at=HANDOVER)
    nat_block_record(
        account=c2, address=CGN, port_start=51200, port_end=52223, started_at=HANDOVER - timedelta(hours=5)
    )
    return isp


def complaint(body: str, *, frm: str = "postmaster@receiver.example") -> bytes:
    return (
        f"From: {frm}\r\nTo: abuse@isp.example.jp\r\nSubject: spam from your network\r\n"
        f"Date: {format_datetime(HANDOVER + timedelta(hours=2))}\r\nMessage-ID: <sp@receiver.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


def with_attachment(name: str, content_type: str, content: str) -> bytes:
    return (
        "From: cert@cert.example\r\nTo: abuse@isp.example.jp\r\nSubject: Spam sources in your network\r\n"
        f"Date: {format_datetime(HANDOVER + timedelta(hours=3))}\r\nMessage-ID: <csv@cert.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        "--zz\r\nContent-Type: text/plain\r\n\r\nPlease find attached the spam sources seen in your network.\r\n"
        f'--zz\r\nContent-Type: {content_type}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n\r\n' + content + "--zz--\r\n"
    ).encode()


def port_of(raw: bytes) -> tuple[str | None, int | None]:
    report = parse_report(raw)
    return report.source_ip, report.source_port


@pytest.mark.parametrize(
    "phrase",
    [
        f"from {CGN} port 51234",
        f"from {CGN} (port 51234)",
        f"from {CGN}, port 51234",
        f"from {CGN} port: 51234",
        f"from [{CGN}] port 51234",
    ],
)
def test_a_port_written_right_after_the_address_is_its_source_port(phrase):
    body = f"Our firewall logged the connection {phrase} at {AT:%Y-%m-%d %H:%M:%S} UTC."
    assert port_of(complaint(body)) == (CGN, 51234)


@pytest.mark.parametrize(
    "body",
    [
        # The port the spam went to, in words.
        f"Spam from {CGN} to our MX, destination port 25, at {AT:%Y-%m-%d %H:%M:%S} UTC.",
        f"Spam from {CGN} (dest port 25) at {AT:%Y-%m-%d %H:%M:%S} UTC.",
        f"Source: {CGN}\nTarget Port: 25\nTime: {AT:%Y-%m-%d %H:%M:%S} UTC",
        f"Source: {CGN}\nPort: 25\nTime: {AT:%Y-%m-%d %H:%M:%S} UTC",
        # A port written after another address is that address's.
        f"Spam from {CGN} to 192.0.2.250 port 25 at {AT:%Y-%m-%d %H:%M:%S} UTC.",
        f"Spam from {CGN}, relayed by 192.0.2.8 port 2525, at {AT:%Y-%m-%d %H:%M:%S} UTC.",
    ],
)
def test_a_destination_port_or_another_addresss_port_is_not_the_source_port(body):
    assert port_of(complaint(body)) == (CGN, None)


@pytest.mark.parametrize(
    "header",
    ["src_port", "source_port", "sport", "Source Port", "srcport", "port_src", "SOURCE-PORT", "source.port"],
)
def test_a_tables_source_port_column_gives_the_rows_port(header):
    csv = (
        f"timestamp,src_ip,{header},dst_ip,dst_port\r\n{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},51400,192.0.2.250,25\r\n"
    )
    assert port_of(with_attachment("events.csv", "text/csv", csv)) == (CGN, 51400)


@pytest.mark.parametrize("header", ["dst_port", "dport", "Target Port", "dest port", "port"])
def test_a_tables_destination_port_column_is_not_the_source_port(header):
    csv = f"timestamp,src_ip,{header},dst_ip\r\n{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},25,192.0.2.250\r\n"
    assert port_of(with_attachment("events.csv", "text/csv", csv)) == (CGN, None)


def test_a_pasted_tables_source_port_is_read_from_the_sources_row():
    body = (
        "The following connections delivered spam to our MX:\r\n\r\n"
        "timestamp (UTC)      | src_ip          | src_port | dst_port\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}  | {CGN}   | 50500    | 25\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}  | 203.0.113.131   | 51300    | 25\r\n"
    )
    assert port_of(complaint(body)) == (CGN, 50500)


def test_a_tables_port_is_not_given_to_an_address_named_outside_it():
    # The complaint names CGN in words; the table's row is another address's.
    body = (
        f"Spam from {CGN} at {AT:%Y-%m-%d %H:%M:%S} UTC. Also seen:\r\n\r\n"
        "src_ip,src_port,dst_port\r\n203.0.113.131,51300,25\r\n"
    )
    assert port_of(complaint(body)) == (CGN, None)


def test_a_json_events_source_port_is_kept():
    events = json.dumps([{"source.ip": CGN, "source.port": 51400, "destination.port": 25,
                          "time.source": f"{AT:%Y-%m-%dT%H:%M:%S}Z"}])  # fmt: skip
    assert port_of(with_attachment("events.json", "application/json", events + "\r\n")) == (CGN, 51400)


def _attributed(raw: bytes, reporter: str) -> dict:
    report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False).report
    return report_attribute(report_id=report.pk)


@pytest.mark.django_db
def test_a_person_writing_ip_port_n_names_the_nat_holder(cgn):
    body = f"Our firewall logged the connection from {CGN} port 51234 at {AT:%Y-%m-%d %H:%M:%S} UTC.\r\n"
    attribution = _attributed(complaint(body, frm="taro@example.com"), "email:taro@example.com")
    assert attribution["accounts"] == ["C-2"]


@pytest.mark.django_db
def test_a_pasted_tables_source_port_names_the_nat_holder(cgn):
    body = (
        "The following connections delivered spam to our MX:\r\n\r\n"
        "timestamp (UTC)      | src_ip          | src_port | dst_port\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}  | {CGN}   | 50500    | 25\r\n"
    )
    attribution = _attributed(complaint(body, frm="taro@example.com"), "email:taro@example.com")
    assert attribution["accounts"] == ["C-3"]


@pytest.mark.django_db
def test_a_cert_csvs_source_port_names_the_nat_holder(cgn):
    csv = f"timestamp,src_ip,src_port,dst_ip,dst_port,protocol\r\n{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},51400,192.0.2.250,25,tcp\r\n"
    attribution = _attributed(with_attachment("events.csv", "text/csv", csv), "email:cert@cert.example")
    assert attribution["accounts"] == ["C-2"]


@pytest.mark.django_db
def test_a_cert_csvs_rows_of_one_shared_address_are_one_report_per_port(cgn, django_capture_on_commit_callbacks):
    # One carrier-grade NAT address seen from two source ports is two customers: each
    # (address, port) is filed on its own and named by its own port block. Before, the
    # first row stood for the address and the second customer was attributed to nobody.
    from complaints.models import Report

    csv = (
        "timestamp,src_ip,src_port,dst_ip,dst_port,protocol\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},51400,192.0.2.250,25,tcp\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},50500,192.0.2.250,25,tcp\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},51400,192.0.2.250,25,tcp\r\n"  # the first row's event again
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{CGN},51401,192.0.2.250,25,tcp\r\n"  # another connection, C-2's block
    )
    with django_capture_on_commit_callbacks(execute=True):  # the rows filed on their own, as under make run
        first = _attributed(with_attachment("events.csv", "text/csv", csv), "email:cert@cert.example")
    assert first["accounts"] == ["C-2"]
    filed = Report.objects.order_by("pk")[1:]
    assert [(r.source_ip, r.attribution["accounts"]) for r in filed] == [(CGN, ["C-3"]), (CGN, ["C-2"])]
    assert [b",50500," in bytes(r.raw) for r in filed] == [True, False]


@pytest.mark.django_db
def test_rows_of_one_unshared_address_with_several_ports_stay_one_report(cgn, django_capture_on_commit_callbacks):
    # A customer's own address names the customer whatever the port: one report, as before.
    from complaints.models import Report

    static = "203.0.113.5"  # C-3's static line in the isp fixture
    csv = (
        "timestamp,src_ip,src_port,dst_ip,dst_port,protocol\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{static},51400,192.0.2.250,25,tcp\r\n"
        f"{AT:%Y-%m-%d %H:%M:%S}Z,{static},50500,192.0.2.250,25,tcp\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = _attributed(with_attachment("events.csv", "text/csv", csv), "email:cert@cert.example")
    assert first["accounts"] == ["C-3"]
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_a_listed_incidents_of_one_shared_address_are_one_report_per_port(cgn, django_capture_on_commit_callbacks):
    # A honeypot's list in its own words: the same NAT address seen from two ports is
    # two customers, each filed and named by its own port block.
    from complaints.models import Report

    body = (
        "The following hosts in your network were observed sending spam to our traps:\r\n\r\n"
        f"- {CGN}:51400 at {AT:%Y-%m-%d %H:%M:%S} UTC\r\n"
        f"- {CGN}:50500 at {AT:%Y-%m-%d %H:%M:%S} UTC\r\n"
        f"- {CGN}:51400 at {AT:%Y-%m-%d %H:%M:%S} UTC\r\n"
        "\r\nPlease investigate.\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = _attributed(complaint(body, frm="traps@honeypot.example"), "email:traps@honeypot.example")
    assert first["accounts"] == ["C-2"]
    filed = Report.objects.order_by("pk")[1:]
    assert [(r.source_ip, r.attribution["accounts"]) for r in filed] == [(CGN, ["C-3"])]


@pytest.mark.django_db
def test_a_list_naming_one_unshared_address_twice_is_no_list(cgn, django_capture_on_commit_callbacks):
    from complaints.models import Report

    body = (
        "The following hosts in your network were observed sending spam to our traps:\r\n\r\n"
        f"- 203.0.113.5:51400 at {AT:%Y-%m-%d %H:%M:%S} UTC\r\n"
        f"- 203.0.113.5:50500 at {AT:%Y-%m-%d %H:%M:%S} UTC\r\n"
        "\r\nPlease investigate.\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = _attributed(complaint(body, frm="traps@honeypot.example"), "email:traps@honeypot.example")
    assert first["accounts"] == ["C-3"]
    assert Report.objects.count() == 1
