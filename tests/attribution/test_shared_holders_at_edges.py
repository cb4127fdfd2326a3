"""Shared addresses (CGN port blocks, MAP-E prefixes) at a change of hands, and an
address held by two accounts' nested sessions: nobody is named on a guess."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.services import report_ingest
from subscribers.importers.common import REJECTED
from subscribers.importers.natlog import import_natlog
from subscribers.mape import MapRule
from subscribers.models import Account
from subscribers.services import block_upsert, session_record
from tests.attribution.conftest import HANDOVER

pytestmark = pytest.mark.django_db
_n = iter(range(10**6))
OUT = "203.0.113.130"
T0 = HANDOVER - timedelta(hours=4)
MOVE = HANDOVER - timedelta(hours=1)  # 100.64.1.3: C-2 until MOVE, then C-3


def account(account_id: str) -> Account:
    return Account.objects.get(account_id=account_id)


def arf(source_ip: str, arrival: datetime, port: int) -> bytes:
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: FBL report\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\nSource-IP: {source_ip}\r\n"
        f"Source-Port: {port}\r\nArrival-Date: {arrival:%a, %d %b %Y %H:%M:%S +0000}\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@x.example\r\nSubject: Offer {next(_n)}\r\nDate: Fri, 20 Nov 2026 14:00:00 +0900\r\n\r\n--b--\r\n"
    ).encode()


def direct(ip: str, at: datetime) -> bytes:
    hop = f"from pc (unknown [{ip}]) by mx.receiver.example (Postfix) with ESMTP id 1A; {at:%a, %d %b %Y %H:%M:%S +0000}"
    return (
        f"Received: {hop}\r\nFrom: sale@spammer.example\r\nTo: victim@receiver.example\r\nSubject: Pills\r\n"
        f"Message-ID: <edge-{next(_n)}@pc.invalid>\r\nDate: Fri, 20 Nov 2026 14:00:00 +0900\r\n\r\nBuy\r\n"
    ).encode()


def attributed(raw: bytes) -> dict:
    reporter = f"email:r{next(_n)}@receiver.example"
    report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False).report
    return report_attribute(report_id=report.pk)


def codes(result: dict) -> list[str]:
    return [s["code"] for s in result["steps"]]


def step(result: dict, code: str) -> dict:
    return next(s for s in result["steps"] if s["code"] == code)


def pba(tmp_path: Path, lines: list[tuple[datetime, str, str, int, int]]) -> None:
    text = "".join(
        f"{at.isoformat()} cgn1 RT_NAT: RT_SRC_NAT_PBA_{event}: Subscriber {inside} used/allocated port range "
        f"[{first}-{last}] from interface {OUT} with pool name p1\n"
        for at, event, inside, first, last in lines
    )
    path = tmp_path / "pba.log"
    path.write_text(text)
    rejected = [r for r in import_natlog(path) if r.outcome == REJECTED]
    assert rejected == [], [r.message for r in rejected]


@pytest.fixture
def cgn(isp, tmp_path):
    block_upsert(prefix="203.0.113.128/28", kind="shared")
    session_record(account=account("C-2"), ip="100.64.1.3", started_at=T0, stopped_at=MOVE)
    session_record(account=account("C-3"), ip="100.64.1.3", started_at=MOVE)
    return isp


def test_a_port_block_reallocated_seconds_after_the_spam_names_nobody(cgn, tmp_path):
    pba(tmp_path, [
        (T0, "ALLOC", "100.64.1.3", 2048, 3071),
        (MOVE, "RELEASE", "100.64.1.3", 2048, 3071),
        (MOVE, "ALLOC", "100.64.1.3", 2048, 3071),
    ])  # fmt: skip
    edge = attributed(arf(OUT, MOVE - timedelta(seconds=2), 2500))
    assert edge["accounts"] == [] and "shared_at_a_handover" in codes(edge), edge["steps"]
    assert step(edge, "shared_at_a_handover")["seconds"] == 30
    assert attributed(arf(OUT, MOVE - timedelta(minutes=5), 2500))["accounts"] == ["C-2"]
    assert attributed(arf(OUT, MOVE + timedelta(minutes=5), 2500))["accounts"] == ["C-3"]


def test_a_block_kept_after_its_inside_address_changed_hands_names_the_new_holder(cgn, tmp_path):
    """No new allocation when 100.64.1.3 passed to C-3: the CGN kept the block."""
    pba(tmp_path, [(T0, "ALLOC", "100.64.1.3", 2048, 3071)])
    before = attributed(arf(OUT, MOVE - timedelta(minutes=30), 2500))
    assert before["accounts"] == ["C-2"] and "shared_natlog" in codes(before)
    after = attributed(arf(OUT, MOVE + timedelta(minutes=30), 2500))
    assert after["accounts"] == ["C-3"], after["steps"]
    said = step(after, "shared_natlog_inside_holder")
    assert (said["inside"], said["allocated"], said["account"]) == ("100.64.1.3", "C-2", "C-3")
    # Seconds after the change: either may have sent it.
    assert attributed(arf(OUT, MOVE + timedelta(seconds=3), 2500))["accounts"] == []


def test_a_block_whose_inside_address_nobody_holds_names_nobody(isp, tmp_path):
    block_upsert(prefix="203.0.113.128/28", kind="shared")
    session_record(account=account("C-2"), ip="100.64.1.5", started_at=T0, stopped_at=MOVE)
    pba(tmp_path, [(T0, "ALLOC", "100.64.1.5", 4096, 5119)])
    result = attributed(arf(OUT, MOVE + timedelta(minutes=30), 4500))
    assert result["accounts"] == [] and "shared_inside_not_held" in codes(result), result["steps"]


def test_a_mape_prefix_changing_hands_seconds_after_the_spam_names_nobody(isp):
    rule = MapRule(ipaddress.IPv4Network("106.72.0.0/16"), ipaddress.IPv6Network("2400:4050::/32"), 24, 4)
    block_upsert(prefix="106.72.0.0/16", kind="shared", map_rule_ipv6="2400:4050::/32", map_ea_bits=24, map_psid_offset=4)
    prefix = str(rule.end_user_prefix(ipaddress.IPv4Address("106.72.18.52"), 5000))
    session_record(account=account("C-2"), ip=prefix, started_at=HANDOVER - timedelta(days=1), stopped_at=HANDOVER)
    session_record(account=account("C-3"), ip=prefix, started_at=HANDOVER)
    edge = attributed(arf("106.72.18.52", HANDOVER - timedelta(seconds=2), 5000))
    assert edge["accounts"] == [] and "shared_at_a_handover" in codes(edge), edge["steps"]
    assert attributed(arf("106.72.18.52", HANDOVER - timedelta(minutes=5), 5000))["accounts"] == ["C-2"]


def test_a_stale_64_of_one_customer_inside_anothers_56_names_neither(isp):
    """C-2's /64 from 300 days ago never got its Stop; C-3 holds the /56 around it now."""
    block_upsert(prefix="2001:db8:3000::/40", kind="dynamic")
    at = HANDOVER - timedelta(hours=1)
    session_record(account=account("C-2"), ip="2001:db8:3000:100::/64", started_at=at - timedelta(days=300))
    session_record(account=account("C-3"), ip="2001:db8:3000:100::/56", started_at=at - timedelta(days=1))
    inside = attributed(direct("IPv6:2001:db8:3000:100::77", at))
    assert inside["accounts"] == [], inside["steps"]
    assert attributed(direct("IPv6:2001:db8:3000:1ff::77", at))["accounts"] == ["C-3"]
