"""A notice listing in its words incidents from several of our addresses (a honeypot's
list, a CERT's blocks, a person's bullets) named only the first; the others were kept
as signals and attributed to nobody. Each other address is now filed as a report of
its own, under the notice's header fields and its words before the list, and
attributed on its own line's time, as a table's rows are."""

from datetime import timedelta
from email.utils import format_datetime

import pytest

from complaints.models import Report
from complaints.parsing import parse_report
from complaints.parsing.incidents import listed_incidents
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
EARLY = HANDOVER - timedelta(minutes=20)  # C-1 held 198.51.100.23 then; C-2 holds it after HANDOVER
LATE = HANDOVER + timedelta(minutes=20)
STATIC = "203.0.113.5"  # C-3's static line
FOREIGN = "8.8.4.4"


def notice(body: str, *, subject: str = "Abuse from your network") -> bytes:
    return (
        "From: traps@honeypot.example\r\nTo: abuse@isp.example.jp\r\n"
        f"Subject: {subject}\r\nDate: {format_datetime(HANDOVER + timedelta(hours=3))}\r\n"
        "Message-ID: <list-1@honeypot.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + body.replace("\n", "\r\n")
    ).encode()


ALIGNED = f"""Dear abuse team,

The following hosts in your network were observed sending spam to our spam traps:

IP address        Time (UTC)            Type
{STATIC}       {EARLY:%Y-%m-%d %H:%M:%S}   Spam Server
198.51.100.23     {EARLY:%Y-%m-%d %H:%M:%S}   Spam Server
198.51.100.23     {EARLY + timedelta(minutes=3):%Y-%m-%d %H:%M:%S}   Spam Server
{FOREIGN}           {EARLY:%Y-%m-%d %H:%M:%S}   Harvester

Please investigate.
"""


def test_each_listed_source_is_a_report_of_its_own(file):  # noqa: F811
    raw = notice(ALIGNED)
    first, case = file(raw, reporter="email:traps@honeypot.example")
    assert first["attribution"]["accounts"] == ["C-3"]
    others = Report.objects.exclude(pk=first["id"]).order_by("pk")
    assert [r.source_ip for r in others] == ["198.51.100.23", FOREIGN]  # one report per address
    dynamic = others[0]
    # Its own line's time, in the zone the list's header names: C-1 then, not C-2.
    assert dynamic.occurred_at == EARLY.replace(tzinfo=dynamic.occurred_at.tzinfo)
    assert dynamic.attribution["accounts"] == ["C-1"], dynamic.attribution
    assert dynamic.reporter_key == "email:traps@honeypot.example" and dynamic.case_id != case["id"]
    assert "not_ours" in others[1].attribution["roles"]
    assert any(
        "filed as a report of its own" in n for n in Report.objects.get(pk=first["id"]).facts["problems"]
    )

    file(raw, reporter="email:traps@honeypot.example")  # the same notice again: nothing filed twice
    assert Report.objects.count() == 3


def test_blocks_of_fields_are_incidents_each_with_its_own_time(file):  # noqa: F811
    body = f"""Hello,

We have detected the following malicious activity from your network. All times are UTC.

IP: {STATIC}
Time: {EARLY:%Y-%m-%d %H:%M:%S}
Activity: SSH brute force

IP: 198.51.100.23
Time: {LATE:%Y-%m-%d %H:%M:%S}
Activity: SSH brute force

Regards
"""
    first, _case = file(notice(body), reporter="email:traps@honeypot.example")
    assert first["attribution"]["accounts"] == ["C-3"]
    other = Report.objects.exclude(pk=first["id"]).get()
    assert other.source_ip == "198.51.100.23"
    assert other.occurred_at == LATE.replace(tzinfo=other.occurred_at.tzinfo)
    assert other.attribution["accounts"] == ["C-2"], other.attribution  # after the handover


def test_a_bulleted_list_of_sources_and_times():
    body = (
        "Hi,\nSpam was received from these addresses of yours:\n"
        f"- {STATIC} at {EARLY:%Y-%m-%d %H:%M} UTC\n- 198.51.100.23 at {LATE:%Y-%m-%d %H:%M} UTC\n"
        f"* [2001:db8:1000:100::5]:51234 {EARLY:%Y-%m-%dT%H:%M:%SZ}\nThanks\n"
    )
    parsed = parse_report(notice(body))
    assert parsed.source_ip == STATIC
    filed = [parse_report(raw) for raw in parsed.more_reported_raw]
    assert [(p.source_ip, p.occurred_at) for p in filed] == [
        ("198.51.100.23", LATE.replace(second=0)),
        ("2001:db8:1000:100::5", EARLY),
    ]


@pytest.mark.parametrize(
    "body",
    [
        # A pasted header: each Received line names an address and a time, none is a list.
        f"Please stop this spam:\n\nReceived: from pc1 (pc1 [198.51.100.23]) by mx1.example; "
        f"{format_datetime(EARLY)}\nReceived: from relay ({STATIC}) by mx2.example; {format_datetime(EARLY)}\n",
        # Log lines name the source after words: left as the report reads them.
        f"{EARLY:%b %d %H:%M:%S} host sshd[1]: Failed password for root from 198.51.100.23 port 4000 ssh2\n"
        f"{EARLY:%b %d %H:%M:%S} host sshd[2]: Failed password for root from {STATIC} port 4001 ssh2\n",
        # One source listed several times is one incident.
        f"198.51.100.23 {EARLY:%Y-%m-%d %H:%M:%S} UTC\n198.51.100.23 {LATE:%Y-%m-%d %H:%M:%S} UTC\n",
        # Addresses without times: no list of incidents.
        f"Spam from {STATIC} and 198.51.100.23, please act.\n198.51.100.23\n{STATIC}\n",
        # A numbered list is a list marker, not the start of an address.
        f"1. {STATIC} spams us\n2. 198.51.100.23 too\n",
    ],
    ids=["pasted-header", "log-lines", "one-source", "no-times", "numbered-no-times"],
)
def test_words_that_list_no_incidents_file_nothing_more(body):
    assert listed_incidents(body) is None
    assert parse_report(notice(body)).more_reported_raw == []


def test_the_list_is_read_in_full_width_japanese():
    body = (
        "迷惑メール送信元の一覧です（日本時間）。\n"
        f"送信元IP：２０３．０．１１３．５　{EARLY + timedelta(hours=9):%Y年%m月%d日 %H時%M分}\n"
        f"送信元IP：１９８．５１．１００．２３　{LATE + timedelta(hours=9):%Y年%m月%d日 %H時%M分}\n"
    )
    listed = listed_incidents(body)
    assert [i.ip for i in listed.incidents] == [STATIC, "198.51.100.23"]
    parsed = parse_report(notice(body))
    (other,) = [parse_report(raw) for raw in parsed.more_reported_raw]
    assert other.source_ip == "198.51.100.23" and other.occurred_at == LATE.replace(second=0)
