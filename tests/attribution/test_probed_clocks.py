"""A receiver whose own Received lines disagree about the time, found mishandled by
probing (session 33): the origin line's time was used as if it were trusted, and the
dynamic address's holder at that time named, though a line the receiver wrote after it
(above it) says the mail passed earlier, or a year later."""

from datetime import timedelta

import pytest

from subscribers.models import Account
from subscribers.services import session_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_sending import filed, spam, utc
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db


def _origin(stamp: str) -> str:
    return (
        "from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23]) by mx-edge.receiver.example "
        f"(Postfix) with ESMTP id E1 for <victim@receiver.example>; {stamp}"
    )


def _inner(stamp: str) -> str:
    return (
        "from mx-edge.receiver.example (mx-edge.receiver.example [192.0.2.250]) by store.receiver.example "
        f"(Postfix) with ESMTPS id S1 for <victim@receiver.example>; {stamp}"
    )


def _jst(at) -> str:
    return (at + timedelta(hours=9)).strftime("%a, %d %b %Y %H:%M:%S +0900")


def test_an_edge_writing_japan_time_labelled_utc_names_nobody(file):  # noqa: F811
    """14:29:50 "+0000" is Japan's wall clock: the spam came at 05:29:50Z (C-1's lease);
    read as written it is nine hours later (C-2's). The inner line, right, is 9 h earlier."""
    real = HANDOVER - timedelta(seconds=10)
    wrong = (real + timedelta(hours=9)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    a, _case = filed(file, spam([_inner(_jst(real + timedelta(seconds=2))), _origin(wrong)]))
    assert a["accounts"] == [], codes(a)
    assert "holder_needs_agreeing_clocks" in codes(a)


def test_an_inner_line_before_the_edge_line_across_a_handover_names_nobody(file):  # noqa: F811
    a, _case = filed(file, spam([_inner(utc(HANDOVER - timedelta(seconds=40))), _origin(utc(HANDOVER + timedelta(seconds=5)))]))  # noqa: E501
    assert a["accounts"] == [], codes(a)


def test_an_edge_clock_a_year_behind_does_not_name_last_years_holder(file):  # noqa: F811
    session_record(account=Account.objects.get(account_id="C-3"), ip="198.51.100.23",
                   started_at=HANDOVER - timedelta(days=366), stopped_at=HANDOVER - timedelta(days=364))  # fmt: skip
    a, _case = filed(file, spam([_inner(utc(HANDOVER + timedelta(minutes=1))), _origin(utc(HANDOVER - timedelta(days=365)))]))  # noqa: E501
    assert a["accounts"] == [], codes(a)


@pytest.mark.parametrize(
    ("inner", "holder"),
    [
        (HANDOVER + timedelta(seconds=1), "C-1"),  # seconds later: the same clock, in order
        (HANDOVER - timedelta(seconds=12), "C-1"),  # a few seconds' skew between two clocks
        (HANDOVER + timedelta(hours=7), "C-1"),  # hours in the receiver's queue
    ],
)
def test_lines_that_agree_within_skew_and_queueing_name_the_holder(file, inner, holder):  # noqa: F811
    origin = HANDOVER - timedelta(seconds=40)  # clear of the handover margin
    a, _case = filed(file, spam([_inner(utc(inner)), _origin(utc(origin))]))
    assert a["accounts"] == [holder], codes(a)


def test_a_session_held_across_the_disagreement_still_names_its_holder(file):  # noqa: F811
    """C-3's static line: no session to change hands, the clocks' quarrel changes nothing."""
    line = (
        "from mail.c3.example (mail.c3.example [203.0.113.5]) by mx-edge.receiver.example (Postfix) "
        f"with ESMTP id E2; {utc(HANDOVER + timedelta(hours=9))}"
    )
    a, _case = filed(file, spam([_inner(_jst(HANDOVER)), line]))
    assert a["accounts"] == ["C-3"], codes(a)
