"""Dates as real mail writes them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsing.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu, 29 Apr 2013 23:45:50 PST", datetime(2013, 4, 30, 7, 45, 50)),
        ("Mon, 07 Sep 2015 08:58:04 EDT", datetime(2015, 9, 7, 12, 58, 4)),
        ("Thu, 9 Apr 2006 23:34:45 JST", datetime(2006, 4, 9, 14, 34, 45)),
        ("Mon, 18 Jan 2016 23:57:24 UTC", datetime(2016, 1, 18, 23, 57, 24)),
        ("Thu, 29 Apr 2009 00:00:00 -0000 (EST)", datetime(2009, 4, 29, 0, 0, 0)),  # the number wins
        ("8 Oct 2011 20:15:58 +0000 (GMT)", datetime(2011, 10, 8, 20, 15, 58)),  # no weekday
        ("Sun, 29 Apr 2015 23:34:45 +0000", datetime(2015, 4, 29, 23, 34, 45)),  # wrong weekday
        ("Sat, 16 Jan 2016 7:10:13 +0000", datetime(2016, 1, 16, 7, 10, 13)),  # single-digit hour
        ("18 Feb 01 12:29:13 AM", datetime(2001, 2, 18, 0, 29, 13)),  # two-digit year, AM/PM
        ("Tue, 19 Jan 2016 14:32:34", datetime(2016, 1, 19, 14, 32, 34)),  # no zone: taken as UTC
        ("Thu, 29 Apr 2015 23:34:45 +0000 (UTC", datetime(2015, 4, 29, 23, 34, 45)),  # unclosed comment
        ("Thu, 29\n  Apr 2015 23:34:45 GMT", datetime(2015, 4, 29, 23, 34, 45)),  # folded
        ("2024-01-15T14:30:25Z", datetime(2024, 1, 15, 14, 30, 25)),
        ("2024-01-15T23:30:25+09:00", datetime(2024, 1, 15, 14, 30, 25)),
        # Mail clients' forwards, logs and people's notations.
        ("Mon, Oct 14, 2024 at 10:01 AM", datetime(2024, 10, 14, 10, 1)),  # Gmail's forward
        ("October 14, 2024 at 10:01:05 PM EDT", datetime(2024, 10, 15, 2, 1, 5)),  # Apple Mail
        ("14 October 2024 at 10:01:05 CEST", datetime(2024, 10, 14, 8, 1, 5)),
        ("Monday, October 14, 2024 10:01 AM", datetime(2024, 10, 14, 10, 1)),  # Outlook's "Sent:"
        ("10/14/2024 10:01 AM EDT", datetime(2024, 10, 14, 14, 1)),  # month first: 14 is no month
        ("14/10/2024 10:01 +0200", datetime(2024, 10, 14, 8, 1)),  # day first
        ("14.10.2024 10:01:05 +0200", datetime(2024, 10, 14, 8, 1, 5)),  # German
        ("14/Oct/2024:10:01:05 +0200", datetime(2024, 10, 14, 8, 1, 5)),  # web server log
        ("2024/10/14 10:01:00 +0900", datetime(2024, 10, 14, 1, 1)),  # Japanese software
        ("2024/10/14(月) 10:01", datetime(2024, 10, 14, 1, 1)),  # a Japanese weekday, no zone: JST
        ("2024年10月14日(月) 10:01", datetime(2024, 10, 14, 1, 1)),  # Japanese Outlook's 送信日時
        ("２０２４年１０月１４日 午後３時５分", datetime(2024, 10, 14, 6, 5)),
        ("2024年10月14日 10:01 UTC", datetime(2024, 10, 14, 10, 1)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "This is not a date", "", None, "32 Foo 2020 99:99:99", "Mon, 1 Jan 9999 10:00:00",
        "03/04/2024 10:01",  # March 4 or April 3: a wrong day is worse than none
        "10月14日 10:01",  # no year
    ],  # fmt: skip
)
def test_nonsense_is_none(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("marker", "stamp"),
    [
        ("---------- Forwarded message ---------", "Date: Mon, Oct 14, 2024 at 10:01 AM"),  # Gmail
        ("-----Original Message-----", "Sent: Monday, October 14, 2024 10:01 AM"),  # Outlook
    ],
)
def test_a_forwarded_copys_date_without_a_zone_is_in_the_forwarders_zone(marker, stamp):
    from complaints.parsing import parse_report

    raw = (
        "From: Bob <bob@mail.example>\nTo: abuse@isp.example\nSubject: Fwd: parcel\n"
        "Date: Mon, 14 Oct 2024 11:30:00 -0400\n\nSpam from your network.\n\n"
        f"{marker}\nFrom: USPS <noreply@parcel.example.org>\n{stamp}\nSubject: parcel\n"
        "To: <bob@mail.example>\n\nVisit https://parcel.example.org/redeliver to reschedule.\n"
    ).encode()
    report = parse_report(raw)

    assert report.occurred_at == datetime(2024, 10, 14, 14, 1, tzinfo=UTC)
    assert any("forwarder's (UTC-04:00)" in note for note in report.problems)


@pytest.mark.parametrize(
    ("text", "utc", "zoned"),
    [
        ("Fri Nov 20 14:00:00 JST 2026", "2026-11-20T05:00:00+00:00", True),  # was 14:00 UTC
        ("Fri Nov 20 05:00:00 UTC 2026", "2026-11-20T05:00:00+00:00", True),  # was "no zone"
        ("Fri Nov 20 14:00:00 +0900 2026", "2026-11-20T05:00:00+00:00", True),
        ("Fri Nov 20 05:00:00 2026", "2026-11-20T05:00:00+00:00", False),  # ctime: no zone
    ],
)
def test_the_unix_date_commands_form_keeps_its_zone(text, utc, zoned):
    """`date` and ctime() write the zone before the year: scripts and some feedback loops
    stamp reports so. A JST stamp was read as UTC, nine hours off."""
    from complaints.parsing.dates import names_no_zone

    assert parse_date(text).isoformat() == utc
    assert names_no_zone(text) is not zoned
