"""A small ISP: dynamic pool, a static line, hosting, a sub-allocation, mail servers.

198.51.100.23 belongs to C-1 until HANDOVER, then to C-2 (still open).
"""

from datetime import UTC, datetime, timedelta

import pytest

from subscribers.models import Account
from subscribers.services import (
    account_upsert,
    block_upsert,
    maillog_record,
    session_record,
    subscriber_upsert,
)

HANDOVER = datetime(2026, 11, 20, 5, 30, 0, tzinfo=UTC)


@pytest.fixture
def isp(db, settings):
    settings.ABUSEDESK_OWN_DOMAINS = ["isp.example.jp"]
    for n in range(1, 6):
        subscriber_upsert(subscriber_id=f"S-{n}", name=f"Customer {n}", email=f"c{n}@mail.example.jp")
    subscriber_upsert(subscriber_id="S-9", name="Transit Co", kind="business")
    for account_id, sid, kind, ident in [
        ("C-1", "S-1", "connection", "c1@isp"),
        ("C-2", "S-2", "connection", "c2@isp"),
        ("C-3", "S-3", "connection", "c3@isp"),
        ("M-1", "S-1", "mail", "taro"),
        ("M-2", "S-2", "mail", "hanako"),
        ("H-1", "S-4", "hosting", "shop.example.jp,www.shop.example.jp"),
    ]:
        account_upsert(account_id=account_id, subscriber_id=sid, kind=kind, identifier=ident)
    for prefix, kind, extra in [
        ("198.51.100.0/24", "dynamic", {}),
        ("2001:db8:1000::/40", "dynamic", {}),
        ("203.0.113.5/32", "static", {"account_id": "C-3"}),
        ("203.0.113.64/26", "hosting", {}),
        (
            "203.0.113.192/27",
            "sub_allocation",
            {"sub_allocated_to": "S-9", "abuse_contact": "abuse@transit.example"},
        ),
        ("192.0.2.0/28", "mail_servers", {}),
        ("198.18.0.0/15", "transit", {"sub_allocated_to": "S-9", "abuse_contact": "noc@transit.example"}),
    ]:
        block_upsert(prefix=prefix, kind=kind, **extra)
    c1, c2 = Account.objects.get(account_id="C-1"), Account.objects.get(account_id="C-2")
    session_record(
        account=c1, ip="198.51.100.23", started_at=HANDOVER - timedelta(hours=6), stopped_at=HANDOVER
    )
    session_record(account=c2, ip="198.51.100.23", started_at=HANDOVER)
    session_record(account=c1, ip="2001:db8:1000:100::/56", started_at=HANDOVER - timedelta(days=1))
    maillog_record(
        kind="submission",
        service="smtp",
        login="taro",
        client_ip="198.51.100.23",
        at=HANDOVER - timedelta(minutes=30, seconds=3),
        host="smtp1",
        queue_id="4F2A1C3D",
        message_id="<run-1@pc.invalid>",
    )
    maillog_record(
        kind="login",
        service="pop3",
        login="hanako",
        client_ip="192.0.2.140",
        at=HANDOVER - timedelta(minutes=4),
        host="pop1",
    )
    return HANDOVER
