"""The time a person's complaint names, as Japanese complainants write it: era years,
dates without a year, and round times ("14時頃"). A time read wrongly names the wrong
holder of a dynamic address; a time not read at all falls back to the complaint's own
date, on which no dynamic holder is named."""

from datetime import UTC, datetime

import pytest

from complaints.models import Report
from complaints.parsing.complaint import _named_time
from tests.attribution.test_probed_formats import japanese
from tests.attribution.test_rules import attributed, codes

pytestmark = pytest.mark.django_db

# HANDOVER: 198.51.100.23 passed from C-1 to C-2 at 05:30Z (14:30 JST) on 2026-11-20.
# The complaint (tests.attribution.test_probed_formats.japanese) is dated 2026-11-21 09:00 JST.


def complained(when: str) -> dict:
    return attributed(japanese(f"{when}に 198.51.100.23 から迷惑メールが届きました。対応をお願いします。\n"))


@pytest.mark.parametrize(
    ("when", "account"),
    [
        ("令和8年11月20日 14時29分", "C-1"),  # the Reiwa era: 令和8年 is 2026
        ("令和8年11月20日 14時31分", "C-2"),
        ("㋿8年11月20日 14時29分", "C-1"),  # the one-character era sign
        ("11月20日 14時29分", "C-1"),  # no year: the complaint's own (2026)
        ("11月20日（金）14:31", "C-2"),
        ("11/20 14:29", "C-1"),  # month/day, as Japanese write it
        ("11/20(金)14:31", "C-2"),
        ("2026/11/20(金)14:29", "C-1"),  # no space after the weekday
    ],
)
def test_a_japanese_date_in_another_form_names_the_holder_then(isp, when, account):
    result = complained(when)
    assert result["accounts"] == [account]
    assert Report.objects.get().facts["occurred_at_basis"] == "named"


def test_a_date_without_a_year_is_the_latest_not_after_the_complaint():
    reference = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 JST on 5 January 2027
    named = _named_time("12月28日 10時00分に迷惑メールが届きました", reference)
    assert named.when == datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
    assert any("no year" in note for note in named.notes)
    assert _named_time("1月5日 08時00分に届きました", reference).when == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    # Without the complaint's own date there is nothing to take a year from.
    assert _named_time("12月28日 10時00分に迷惑メールが届きました").when is None


def test_slashes_without_a_year_are_not_read_outside_japanese_text():
    """11/12 is the twelfth of November in Japan and the eleventh of December elsewhere."""
    reference = datetime(2026, 12, 20, tzinfo=UTC)
    assert _named_time("Spam from 198.51.100.23 at 11/12 14:29", reference).when is None
    assert _named_time("11/12 14:29 に届きました", reference).when == datetime(2026, 11, 12, 5, 29, tzinfo=UTC)


@pytest.mark.parametrize("when", ["11月20日 14時頃", "2026年11月20日 14時25分頃", "11月20日 午後2時半", "11月20日 約14時"])
def test_a_round_time_near_a_hand_over_names_nobody(isp, when):
    """'Around 14:25' (05:25Z) was read as the exact minute and named C-1; the address
    changed hands at 14:30, so a rough time cannot tell the two holders apart."""
    result = complained(when)
    assert result["accounts"] == []
    assert "holder_needs_an_exact_time" in codes(result)
    report = Report.objects.get()
    assert report.facts["occurred_at_approximate"] is True
    assert any("rough time" in note for note in report.facts["problems"])


@pytest.mark.parametrize("when", ["2026年11月20日 12時頃", "11月20日 午前11時", "11月20日 12時半ごろ"])
def test_a_round_time_names_the_holder_who_held_the_address_all_that_hour(isp, when):
    """C-1 held 198.51.100.23 from 23:30Z the day before until 05:30Z (14:30 JST)."""
    assert complained(when)["accounts"] == ["C-1"]


def test_an_hour_followed_by_the_address_is_not_read_as_minutes():
    named = _named_time("2026年11月20日 14時 198.51.100.23 から届きました")
    assert named.when == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert named.approximate


def test_a_number_of_hours_is_no_time_of_day():
    """"3時間" is three hours, not three o'clock."""
    assert _named_time("2026年11月20日、3時間ほど前に迷惑メールが届きました").when is None


def complained_in_english(sentence: str) -> dict:
    raw = (
        "From: Bob <bob@receiver.example>\r\nTo: abuse@isp.example.jp\r\nSubject: Spam from your network\r\n"
        "Date: Sat, 21 Nov 2026 09:00:00 +0000\r\nMessage-ID: <en1@receiver.example>\r\n\r\n"
        f"Hello,\r\n\r\n{sentence}\r\n\r\nPlease stop it.\r\n"
    )
    return attributed(raw.encode())


@pytest.mark.parametrize(
    ("sentence", "account"),
    [
        ("We got spam from 198.51.100.23 at 20/11/2026 05:29 UTC.", "C-1"),
        ("We got spam from 198.51.100.23 at 11/20/2026 5:31 AM UTC.", "C-2"),
        ("Spam from 198.51.100.23 on 20 November 2026, 05:29 UTC", "C-1"),
        ("Spam from 198.51.100.23 on 2026-11-20 at 05:31 UTC", "C-2"),
        ("Spam from 198.51.100.23 on Friday, November 20th 2026 at 05:29 GMT", "C-1"),
        ("Spam from 198.51.100.23 at 05:31 UTC on 20 Nov 2026", "C-2"),
        ("Spam from 198.51.100.23, 2026.11.20 05:29 (UTC+00:00)", "C-1"),
        ("Spam from 198.51.100.23 at 20.11.2026 06:29 CET", "C-1"),
        # Japan's zone in words (session 32): read as no zone, and nobody was named
        ("At 2:29 pm Japan time on November 20, 2026 I got spam from 198.51.100.23.", "C-1"),
        ("Spam from 198.51.100.23 at 14:31 Japan time on Nov 20, 2026", "C-2"),
        ("On November 20, 2026 at 14:29 Japan Standard Time, spam from 198.51.100.23", "C-1"),
    ],
)
def test_an_english_date_in_another_form_names_the_holder_then(isp, sentence, account):
    """Each form was unread: the complaint's own date was used, and on it nobody is named."""
    result = complained_in_english(sentence)
    assert result["accounts"] == [account]
    assert Report.objects.get().facts["occurred_at_basis"] == "named"


def test_a_day_and_month_that_could_be_either_is_not_read():
    reference = datetime(2026, 12, 20, tzinfo=UTC)
    assert _named_time("Spam from 198.51.100.23 at 03/04/2026 05:29 UTC", reference).when is None
    assert _named_time("Spam at 04/13/2026 05:29 UTC", reference).when == datetime(2026, 4, 13, 5, 29, tzinfo=UTC)


def test_an_english_rough_time_near_the_hand_over_names_nobody(isp):
    result = complained_in_english("Spam from 198.51.100.23 at about 05:25 UTC on 20 Nov 2026")
    assert result["accounts"] == []
    assert "holder_needs_an_exact_time" in codes(result)


def test_a_dotted_date_in_japanese_text_is_japan_time(isp):
    assert complained("2026.11.20 14:29")["accounts"] == ["C-1"]  # 05:29Z


@pytest.mark.parametrize(
    ("sentence", "account"),
    [
        ("Spam from 198.51.100.23 on Nov 20 at 05:29 UTC", "C-1"),
        ("Spam from 198.51.100.23 at 05:31 UTC on 20 November", "C-2"),
        ("Spam from 198.51.100.23 on November 20th, 05:29 GMT", "C-1"),
    ],
)
def test_an_english_date_without_a_year_takes_the_complaints(isp, sentence, account):
    assert complained_in_english(sentence)["accounts"] == [account]


def test_an_english_date_without_a_year_is_never_after_the_complaint():
    reference = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    assert _named_time("spam at 23:50 UTC on Dec 31", reference).when == datetime(2026, 12, 31, 23, 50, tzinfo=UTC)
    # 1 January somewhere east of UTC: 2027, not a year back.
    assert _named_time("spam on Jan 1 at 08:00 +0900", reference).when == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    # No 29 February in the year before: a year further back is a guess too far.
    assert _named_time("spam on Feb 29 at 08:00 UTC", reference).when is None


# Re-probed (session 29): the rules above must not take another event's time or address.


@pytest.mark.parametrize(
    "sentence",
    [
        "Our invoice dated 20 November 2026, 03:00 UTC was spoofed. The spam came from 198.51.100.23 "
        "at 2026-11-20 05:35 UTC.",
        "I already reported this on Nov 18 at 10:00 UTC. Spam from 198.51.100.23 on 2026-11-20 05:35 UTC again.",
        "We traced the spam to 198.51.100.23 (2026-11-20 05:35 UTC). It hit our mail server 203.0.113.5.",
    ],
)
def test_the_time_and_address_beside_each_other_win_over_other_events(isp, sentence):
    """An earlier date in the text (an invoice, a previous report) was taken for the
    spam's and named C-1; 'to' before the source made the complainant's server (C-3) win."""
    assert complained_in_english(sentence)["accounts"] == ["C-2"]


@pytest.mark.parametrize(
    "body",
    [
        "11月25日 17時までにご回答ください。2026年11月20日 14時35分 に 198.51.100.23 から迷惑メールが届きました。",
        "前回 11月18日 10時 にもご連絡しましたが、2026年11月20日 14時35分 に 198.51.100.23 から届きました。",
        "Thunderbird 11/20 14:25 版を使っています。\n2026年11月20日 14時35分 に 198.51.100.23 から迷惑メールが届きました。",
    ],
)
def test_a_japanese_complaints_other_dates_do_not_replace_the_spams(isp, body):
    assert attributed(japanese(body + "\n"))["accounts"] == ["C-2"]


def test_a_deadline_after_the_complaint_gets_no_year_a_year_back():
    reference = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert _named_time("11月25日 17時00分までにご回答ください", reference).when is None


def test_one_end_of_a_span_is_a_rough_time(isp):
    result = complained_in_english("Between 05:00 and 06:00 UTC on 20 Nov 2026 we got 40 spams from 198.51.100.23.")
    assert result["accounts"] == []  # the span holds the 05:30 hand-over


def test_a_note_about_other_times_after_the_time_declares_nothing(isp):
    """"the times in the attached header are UTC" comes after the complainant's own
    Tokyo time: reading that as UTC named C-2 for a spam at 05:25Z (C-1's)."""
    result = complained_in_english(
        "Spam from 198.51.100.23 received 2026-11-20 14:25 (Tokyo).\nNote: the times in the attached header are UTC."
    )
    assert result["accounts"] == []


def test_a_pasted_log_with_our_complainants_own_address_first_names_the_attacker(isp):
    result = complained_in_english(
        "SSH brute force from 198.51.100.23 against our server. Our fail2ban log:\n\n"
        "Time (UTC) | Local IP | Remote IP | Port\n2026-11-20 05:35:40 | 203.0.113.5 | 198.51.100.23 | 22"
    )
    assert result["accounts"] == ["C-2"]


@pytest.mark.parametrize(
    ("heading", "account"),
    [("From our MX log (all times JST):", "C-1"), ("Our MX log, times in UTC:", "C-2"), ("", None)],
)
def test_a_pasted_log_takes_the_zone_its_heading_declares(isp, heading, account):
    """A small provider pastes its MTA's log under "(all times JST)": the zone-less syslog
    time was read with no zone and nobody was named. Without the heading, still nobody."""
    result = complained_in_english(
        f"Your customer is spamming our users. {heading}\n\n"
        "Nov 20 14:29:07 mx1 postfix/smtpd[4242]: connect from unknown[198.51.100.23]\n"
        "Nov 20 14:29:08 mx1 postfix/smtpd[4242]: disconnect from unknown[198.51.100.23]\n"
    )
    assert result["accounts"] == ([account] if account else []), codes(result)
