"""Feed rows misread by running published CERT notices through the desk (AbuseHUB's
botnet-drone CSV, Spamhaus CERT's list, Microsoft CTIP's JSON): each test is one class
of feed row, written here in the feed's own columns.

- A row's source column holding a non-routable address (an anonymised or NATed drone)
  leaves that row with no usable source: another column's address (the C&C server it
  called, the sinkhole, the destination) is never taken in its place.
- Microsoft CTIP's keys (networksourceipv4, networksourceport, firstreporteddatetime;
  the Azure feed's SourceIp, one JSON object a line) are read as source, port and time.
- A row naming a bot or malware family (botname, infection, malware) is an infected
  machine: the notice is about malware, not spam from a server run by its holder.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.parsing import parse_report
from complaints.services import report_ingest
from tests.attribution.conftest import HANDOVER, isp  # noqa: F401  (fixture)

CC = "203.0.113.5"  # a static line of ours (C-3) in the isp fixture: here the C&C server


def notice(name: str, content_type: str, content: str, *, subject: str = "Events concerning your network",
           words: str = "Dear abuse team,\r\n\r\nattached are events concerning your network.\r\n") -> bytes:  # fmt: skip
    return (
        "From: reports@cert.example\r\nTo: abuse@isp.example.jp\r\n"
        f"Subject: {subject}\r\nDate: {format_datetime(HANDOVER + timedelta(hours=3))}\r\n"
        "Message-ID: <n1@cert.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        f"--zz\r\nContent-Type: text/plain\r\n\r\n{words}"
        f'--zz\r\nContent-Type: {content_type}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n\r\n' + content + "\r\n--zz--\r\n"
    ).encode()


# AbuseHUB's Shadowserver drone CSV: the infected host in "ip", the C&C it called in "cc".
DRONE_HEADER = (
    '"timestamp","ip","port","asn","geo","hostname","type","infection","url","agent","cc","cc_port","cc_dns"'
)


def drone_row(ip: str, at: datetime, port: int, cc: str = CC) -> str:
    return (
        f'"{at:%Y-%m-%d %H:%M:%S}","{ip}",{port},64500,"JP","","udp","ZeroAccess",,,"{cc}",16465,"cc.example"'
    )


def test_a_drone_row_whose_source_is_private_names_no_other_columns_address():
    """AbuseHUB's sample: source 172.16.10.13, its C&C server 72.205.6.40 in "cc". The C&C
    server was taken as the infected host, and its holder named."""
    csv = f"{DRONE_HEADER}\r\n{drone_row('172.16.10.13', HANDOVER, 2005)}"
    parsed = parse_report(notice("drones.csv", "text/csv", csv))
    assert parsed.source_ip is None and parsed.source_ip_named is None
    assert CC not in json.dumps(parsed.signals)


def test_a_table_whose_rows_have_no_usable_source_says_so():
    csv = f"{DRONE_HEADER}\r\n{drone_row('172.16.10.13', HANDOVER, 2005)}"
    parsed = parse_report(notice("drones.csv", "text/csv", csv))
    assert any("172.16.10.13 is a private address" in p for p in parsed.problems)


def test_a_pasted_drone_row_whose_source_is_private_names_no_other_columns_address():
    raw = (
        "From: reports@cert.example\r\nTo: abuse@isp.example.jp\r\nSubject: Botnet drone report\r\n"
        f"Date: {format_datetime(HANDOVER + timedelta(hours=3))}\r\n\r\nDear abuse team,\r\n\r\n"
        f"{DRONE_HEADER}\r\n{drone_row('172.16.10.13', HANDOVER, 2005)}\r\n"
    )
    assert parse_report(raw.encode()).source_ip is None


@pytest.mark.parametrize("column", ["cc_ip", "c2", "cnc", "dst_ip", "dest", "destination", "remote_ip",
                                    "sinkhole", "target", "refid", "server"])  # fmt: skip
def test_the_other_ends_column_is_never_the_source(column):
    csv = (
        f"timestamp,src_ip,src_port,{column},protocol\r\n"
        f"{HANDOVER:%Y-%m-%d %H:%M:%S}Z,10.20.30.40,51000,{CC},tcp\r\n"
    )
    assert parse_report(notice("events.csv", "text/csv", csv)).source_ip is None


def test_a_later_rows_routable_source_is_read_with_that_rows_time_and_port():
    """A table lists several events: the first whose source is usable is read, its time
    and port from its own row, never the private row's nor its C&C's."""
    later = HANDOVER + timedelta(hours=1)
    csv = (
        "timestamp,src_ip,src_port,cc_ip,cc_port,infection\r\n"
        f"{HANDOVER:%Y-%m-%d %H:%M:%S}Z,192.168.1.20,2005,{CC},16465,zeroaccess\r\n"
        f"{later:%Y-%m-%d %H:%M:%S}Z,198.51.100.23,50123,{CC},16465,zeroaccess\r\n"
    )
    parsed = parse_report(notice("drones.csv", "text/csv", csv))
    assert (parsed.source_ip, parsed.source_port) == ("198.51.100.23", 50123)
    assert parsed.occurred_at == later


@pytest.mark.django_db
def test_the_holder_of_the_cc_server_is_not_named_as_an_infected_host(isp):  # noqa: F811
    csv = f"{DRONE_HEADER}\r\n{drone_row('172.16.10.13', HANDOVER, 2005)}"
    raw = notice("drones.csv", "text/csv", csv, subject="[172.16.10.13] [Botnet Drone] Incident Report")
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:reports@cert.example", acknowledge=False
    ).report
    attribution = report_attribute(report_id=report.pk)
    assert report.source_ip is None
    assert "C-3" not in attribution["accounts"]


# Microsoft CTIP (DCU) v1.5, as IntelMQ's test data has it.
def ctip_event(ip: str, port: int, reported: str, family: str = "B106-Jenxcus") -> dict:
    return {
        "indicatorthreattype": "Botnet", "description": f"Host is a member of Botnet {family}",
        "externalid": family, "indicatorexpirationdatetime": "2026-11-22T09:40:33.8508873Z",
        "tlplevel": "Green", "confidence": 100, "firstreporteddatetime": reported, "version": 1.5,
        "networksourceipv4": ip, "networksourceport": port, "networkdestinationipv4": CC,
        "networkdestinationport": 1085, "networksourceasn": "64500", "additionalmetadata": [""],
        "hostname": CC, "useragent": "",
    }  # fmt: skip


def test_microsoft_ctip_events_give_source_port_and_time():
    events = [
        ctip_event("10.0.0.5", 25310, "2026-11-20T05:10:00"),
        ctip_event("198.51.100.23", 49970, "2026-11-20T05:50:19"),
    ]
    parsed = parse_report(notice("ctip.json", "application/json", json.dumps(events, indent=2)))
    assert (parsed.source_ip, parsed.source_port) == ("198.51.100.23", 49970)
    # CTIP's times are UTC, written without a zone.
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 50, 19, tzinfo=UTC)
    assert not parsed.occurred_at_no_zone
    assert parsed.category == "malware"


def test_microsoft_ctip_azure_events_one_a_line_are_read():
    lines = [
        {"DataFeed": "Microsoft.DCU.CTIP.Infected", "SourcedFrom": "Microsoft.DCU.CTIP.Sinkhole",
         "DateTimeReceivedUtc": 134079642620000000, "DateTimeReceivedUtcTxt": "Friday November 20 2026 05:47:42.2420",
         "Malware": "Avalanche", "ThreatCode": "B67-SS-Gamarue", "SourceIp": "198.51.100.23", "SourcePort": 28285,
         "DestinationIp": CC, "DestinationPort": 80},
        {"DataFeed": "Microsoft.DCU.CTIP.Infected", "DateTimeReceivedUtcTxt": "Friday November 20 2026 05:49:00.0000",
         "Malware": "Emotet", "SourceIp": "198.51.100.24", "SourcePort": 33587, "DestinationIp": CC},
    ]  # fmt: skip
    content = "\r\n".join(json.dumps(line) for line in lines)
    parsed = parse_report(notice("ctip-infected.json", "application/json", content))
    assert (parsed.source_ip, parsed.source_port) == ("198.51.100.23", 28285)
    assert parsed.occurred_at == datetime(2026, 11, 20, 5, 47, 42, tzinfo=UTC)
    assert parsed.category == "malware"


SPAMHAUS_HEADER = (
    "; ip, asn, country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol"
)


def spamhaus(botname: str) -> str:
    at = int(HANDOVER.timestamp())
    return f"{SPAMHAUS_HEADER}\r\n198.51.100.23,AS64500,JP,{at},{botname},,,25,,tcp\r\n; EOF"


@pytest.mark.parametrize("family", ["asprox", "conficker", "authspoofbadehlo"])
def test_a_row_naming_a_bot_family_is_an_infected_machine(family):
    parsed = parse_report(notice("cert.txt", "text/plain", spamhaus(family)))
    assert parsed.source_ip == "198.51.100.23" and parsed.category == "malware"


@pytest.mark.parametrize("header", ["infection", "malware", "malware_family", "family", "infection_type"])
def test_a_family_column_by_any_of_its_names_says_malware(header):
    csv = f"timestamp,ip,{header},dst_port\r\n{HANDOVER:%Y-%m-%d %H:%M:%S}Z,198.51.100.23,andromeda,80\r\n"
    parsed = parse_report(notice("events.csv", "text/csv", csv))
    assert parsed.source_ip == "198.51.100.23" and parsed.category == "malware"


@pytest.mark.parametrize("activity", ["openrelay", "sshauth", "smtpauth", "wpscanner", "w_wplogin", "-"])
def test_a_botname_column_naming_an_activity_is_no_infection(activity):
    """Spamhaus CERT writes an open relay or a password guesser in the same column: the
    row names no malware."""
    parsed = parse_report(notice("cert.txt", "text/plain", spamhaus(activity)))
    assert parsed.source_ip == "198.51.100.23" and parsed.category != "malware"
