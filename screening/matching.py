"""What matched keys mean: match, possible match or no match. Pure; no database.

Per identifier, a key match is exact (the identifier written another way) or
near (see screening.normalise). The rules, strongest first:

- match: the same card fingerprint or the same e-mail address (exact); or the
  name (or its reading) together with the same flat or the same phone number.
- possible match: the same phone number alone, the same flat alone (people
  re-apply under a false name; but a family member or the next tenant shares
  these too), an e-mail address that differs only in case or Gmail dots, or the
  name together with the same building or house.
- a name alone, however exact, is no match: namesakes are common.

Results are advice to the person who decides on the application, never a refusal.
"""

from __future__ import annotations

from .choices import Verdict
from .normalise import KEY_KINDS, is_near

EXACT = "exact"
NEAR = "near"


def identifier_strengths(matched_key_kinds: set[str]) -> dict[str, str]:
    """{identifier kind: exact|near} from the key kinds that matched."""
    out: dict[str, str] = {}
    for key_kind in matched_key_kinds:
        identifier = KEY_KINDS[key_kind]
        strength = NEAR if is_near(key_kind) else EXACT
        if out.get(identifier) != EXACT:
            out[identifier] = strength
    return out


def verdict(matched_key_kinds: set[str]) -> tuple[str, dict[str, str]]:
    found = identifier_strengths(matched_key_kinds)
    name = found.get("name") or found.get("kana")
    address = found.get("address")
    phone = found.get("phone") == EXACT
    if found.get("card") == EXACT or found.get("email") == EXACT:
        return Verdict.MATCH, found
    if name and (address == EXACT or phone):
        return Verdict.MATCH, found
    if phone or address == EXACT or found.get("email") == NEAR or (name and address == NEAR):
        return Verdict.POSSIBLE, found
    return Verdict.NO_MATCH, {}


RANK = {Verdict.MATCH: 2, Verdict.POSSIBLE: 1, Verdict.NO_MATCH: 0}
