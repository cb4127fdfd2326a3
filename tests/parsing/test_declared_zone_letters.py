"""A report that declares its times' zone by the zone's letters ("Logfile excerpt (times
in CET):", "All times are EST", "Time (PDT)") had its zone-less times read as having no
zone, ±14 hours, so no dynamic address's holder was named. The letters are now read
as the zone they name, as they are after a time ("05:30 CET"); letters that name zones
hours apart (IST, CST, BST) and lower-case words ("est") declare nothing."""

from datetime import UTC, datetime

import pytest

from complaints.parsing import parse_report

SOURCE = "198.51.100.23"


def complaint(words: str) -> bytes:
    return (
        "From: admin@victim.example\r\nTo: abuse@isp.example.jp\r\nSubject: Attack from your network\r\n"
        "Date: Fri, 20 Nov 2026 12:00:00 +0000\r\nMessage-ID: <z1@victim.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + words.replace("\n", "\r\n")
    ).encode()


@pytest.mark.parametrize(
    ("words", "at"),
    [
        (
            f"The host {SOURCE} attacked our server (ssh).\nLogfile excerpt (times in CET):\n"
            f"2026-11-20 05:30:01 sshd: Failed password for root from {SOURCE}\n",
            datetime(2026, 11, 20, 4, 30, 1, tzinfo=UTC),
        ),
        (
            f"All times are EST.\nSpam from {SOURCE} at 2026-11-20 04:30:00.\n",
            datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        ),
        (
            f"Source: {SOURCE}\nTime (PDT): 2026-11-20 01:30:00\n",
            datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        ),
        (
            f"Alle Zeiten in MESZ. Timestamps in MESZ:\n2026-11-20 06:30:00 {SOURCE} port scan\n",
            datetime(2026, 11, 20, 4, 30, tzinfo=UTC),
        ),
    ],
    ids=["times-in-CET", "all-times-are-EST", "label-PDT", "times-in-MESZ"],
)
def test_the_zone_declared_by_its_letters_is_read(words, at):
    parsed = parse_report(complaint(words))
    assert parsed.source_ip == SOURCE
    assert parsed.occurred_at == at and not parsed.occurred_at_no_zone


@pytest.mark.parametrize(
    "declared",
    ["All times are IST.", "Times in CST:", "times in est", "Timestamps in BST:"],
    ids=["IST-india-or-ireland", "CST-china-or-us", "lower-case-word", "BST-britain-or-bangladesh"],
)
def test_letters_naming_zones_hours_apart_or_lower_case_declare_nothing(declared):
    parsed = parse_report(complaint(f"{declared}\nSpam from {SOURCE} at 2026-11-20 04:30:00.\n"))
    assert parsed.source_ip == SOURCE
    assert parsed.occurred_at_no_zone


@pytest.mark.parametrize(
    "when",
    [
        "2026-11-20 10:00 IST",
        "2026-11-20 14:30 CST",
        "20 Nov 2026 09:00 BST",
        "November 20, 2026 at 10:00 AM CST",
    ],
)
def test_a_persons_ambiguous_zone_letters_after_a_time_name_no_zone(when):
    """India's or Ireland's IST, China's or US Central CST, Britain's or Bangladesh's BST:
    read as one of them, the time could be hours off and name another holder."""
    parsed = parse_report(complaint(f"Spam from {SOURCE} at {when}.\n"))
    assert parsed.source_ip == SOURCE
    assert parsed.occurred_at_no_zone
