"""A feed's notice listing several sources (a Shadowserver report lists every address of
ours it saw) named only the first: found by running published reports through the desk
(session 33). Each other address is now filed as a report of its own, its row pasted
under the notice's header fields, and attributed and grouped on that row's facts."""

from datetime import timedelta

import pytest

from complaints.models import Report
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.parsing.test_probed_feeds_tables import DRONE_HEADER, notice

pytestmark = pytest.mark.django_db
EARLY = HANDOVER - timedelta(minutes=20)  # C-1 held 198.51.100.23 then
FOREIGN = "8.8.4.4"


def drone_row(ip: str, at, port: int, cc: str = "192.0.2.250") -> str:
    """A drone row whose time names its zone (UTC), as the feed's newer exports write it."""
    return f'"{at:%Y-%m-%dT%H:%M:%SZ}","{ip}",{port},64500,"JP","","udp","ZeroAccess",,,"{cc}",16465,"cc.example"'


def _drones(*rows: str) -> bytes:
    csv = "\r\n".join([DRONE_HEADER, *rows])
    return notice("2026-11-20-drone-jp.csv", "text/csv", csv, subject="Shadowserver Botnet Drone Report")


def test_each_source_of_a_feeds_table_is_a_report_of_its_own(file):  # noqa: F811
    raw = _drones(
        drone_row("203.0.113.5", EARLY, 2005),
        drone_row("198.51.100.23", EARLY, 51000),
        drone_row("198.51.100.23", EARLY + timedelta(minutes=1), 51001),  # same host again
        drone_row(FOREIGN, EARLY, 4000),
    )
    first, case = file(raw, reporter="email:autoreports@shadowserver.example")
    assert first["attribution"]["accounts"] == ["C-3"]
    others = Report.objects.exclude(pk=first["id"]).order_by("pk")
    assert [r.source_ip for r in others] == ["198.51.100.23", FOREIGN]  # one report per address
    infected = others[0]
    assert infected.occurred_at == EARLY.replace(tzinfo=infected.occurred_at.tzinfo)
    assert infected.attribution["accounts"] == ["C-1"], infected.attribution
    assert infected.category == "malware" and infected.reporter_key == "email:autoreports@shadowserver.example"
    assert infected.case_id != case["id"]
    assert "not_ours" in others[1].attribution["roles"]

    # Processed again (the same notice re-sent): nothing is filed twice.
    file(raw, reporter="email:autoreports@shadowserver.example")
    assert Report.objects.count() == 3


def test_a_table_of_one_source_files_nothing_more(file):  # noqa: F811
    file(_drones(drone_row("203.0.113.5", EARLY, 2005), drone_row("203.0.113.5", EARLY, 2006)), reporter="email:a@cert.example")  # noqa: E501
    assert Report.objects.count() == 1
