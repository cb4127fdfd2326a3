"""Normalising an applicant's or subscriber's identifiers into comparison keys.

Each identifier kind gives one or more keys (`identifier_keys`). A key without
the `_near` suffix is an exact match of the identifier written another way
(width, kana, notation); a `_near` key also groups spellings that may or may not
be the same person (variant kanji, long vowels, the case of an e-mail's local
part, the same building). What a match of each key means is decided in
screening.matching; these functions are pure and deterministic so that two ISPs
hashing the same identifier get the same key.
"""

from __future__ import annotations

from collections.abc import Callable

from .address import AddressError, address_canonical, address_keys, parse_address
from .contact import ContactError, card_keys, email_keys, looks_like_card_number, phone_keys
from .names import kana_keys, name_keys

KEYERS: dict[str, Callable[[str], dict[str, str]]] = {
    "name": name_keys,
    "kana": kana_keys,
    "address": address_keys,
    "phone": phone_keys,
    "email": email_keys,
    "card": card_keys,
}
# Every key kind, and the identifier it comes from.
KEY_KINDS = {
    "name": "name",
    "name_near": "name",
    "kana": "kana",
    "kana_near": "kana",
    "address": "address",
    "address_postal": "address",
    "address_near": "address",
    "phone": "phone",
    "email": "email",
    "email_near": "email",
    "card": "card",
}


def is_near(key_kind: str) -> bool:
    return key_kind.endswith("_near")


def identifier_keys(identifiers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """({key kind: key}, {identifier: error}) for the identifiers that are not blank."""
    keys: dict[str, str] = {}
    errors: dict[str, str] = {}
    for kind, keyer in KEYERS.items():
        value = (identifiers.get(kind) or "").strip()
        if not value:
            continue
        try:
            keys.update(keyer(value))
        except (AddressError, ContactError) as exc:
            errors[kind] = str(exc)
    return keys, errors


__all__ = [
    "KEYERS",
    "KEY_KINDS",
    "AddressError",
    "ContactError",
    "address_canonical",
    "identifier_keys",
    "is_near",
    "looks_like_card_number",
    "parse_address",
]
