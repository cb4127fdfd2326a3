"""A parsed spam report and the DNS zone that answers for its subjects."""

from datetime import UTC, datetime

from complaints.choices import Channel
from complaints.services import report_ingest
from tests.complaints.samples import spam

ORIGIN = "198.51.100.23"
HOST = "pills.example.net"
DOMAIN = "spammer.example"  # From: sale@spammer.example


def spam_report(*, origin_ip: str = ORIGIN, url: str = f"http://{HOST}/buy", n: int = 1):
    raw = spam(
        at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC), origin_ip=origin_ip, url=url, message_id=f"<s{n}@x>"
    )
    return report_ingest(
        raw=raw, channel=Channel.API, reporter_key="partner:x", content_type="message/rfc822"
    ).report


def serve_spam_zone(server) -> None:
    server.add("23.100.51.198.in-addr.arpa", "PTR", "pc-23.dyn.isp.example.")
    server.add("pc-23.dyn.isp.example", "A", ORIGIN)
    server.add("23.100.51.198.xbl.test", "A", "127.0.0.4")
    server.add("23.100.51.198.xbl.test", "TXT", '"Listed: bot"')
    server.add(HOST, "A", "203.0.113.10")
    server.add(HOST, "MX", "10 mx.pills.example.net.")
    server.add(DOMAIN, "TXT", '"v=spf1 -all"')
    server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject"')


# PTR, forward, DNSBL A + TXT, host A/AAAA/MX/NS, SPF, DMARC
QUESTIONS = 1 + 1 + 2 + 4 + 2
