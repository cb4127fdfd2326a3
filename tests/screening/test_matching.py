"""The rules that turn matched keys into match / possible match / no match."""

import pytest

from screening.choices import Verdict
from screening.matching import verdict

CASES = [
    ({"card"}, Verdict.MATCH),
    ({"email", "email_near"}, Verdict.MATCH),
    ({"name", "name_near", "address", "address_near"}, Verdict.MATCH),
    ({"kana", "kana_near", "address_postal"}, Verdict.MATCH),
    ({"name_near", "phone"}, Verdict.MATCH),
    ({"phone"}, Verdict.POSSIBLE),
    ({"address", "address_near"}, Verdict.POSSIBLE),
    ({"address", "phone"}, Verdict.POSSIBLE),  # a relative at the same flat, or a false name
    ({"email_near"}, Verdict.POSSIBLE),
    ({"name", "kana", "address_near"}, Verdict.POSSIBLE),
    ({"name", "name_near", "kana", "kana_near"}, Verdict.NO_MATCH),  # a namesake
    ({"address_near"}, Verdict.NO_MATCH),
    (set(), Verdict.NO_MATCH),
]


@pytest.mark.parametrize(
    ("matched", "expected"), CASES, ids=[",".join(sorted(m)) or "none" for m, _ in CASES]
)
def test_rules(matched, expected):
    assert verdict(matched)[0] == expected


def test_the_answer_names_identifier_kinds_and_their_strength_only():
    result, found = verdict({"name_near", "address", "address_near", "email_near"})
    assert result == Verdict.MATCH
    assert found == {"name": "near", "address": "exact", "email": "near"}


def test_no_match_reveals_nothing():
    assert verdict({"name", "kana"}) == (Verdict.NO_MATCH, {})
