"""The screening app's settings, read when used (never at import), and their checks.

- ABUSEDESK_EXCHANGE_ISP_ID: this ISP's name in the exchange (e.g. jp.example-isp).
- ABUSEDESK_EXCHANGE_SIGNING_KEY: base64 of this ISP's 32-byte Ed25519 private key;
  it signs exported files and API answers. `exchange_keys --new-signing-key` makes one.
- ABUSEDESK_EXCHANGE_HASH_KEYS: the keys the participating ISPs share, as
  "id:base64,id:base64"; the first hashes what we send, all of them are tried when
  screening, so a rotation keeps old entries matchable until their key is removed.
- ABUSEDESK_EXCHANGE_ENTRY_DAYS: days an exchange entry lives after the termination.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    "ABUSEDESK_EXCHANGE_ISP_ID": "",
    "ABUSEDESK_EXCHANGE_SIGNING_KEY": "",
    "ABUSEDESK_EXCHANGE_HASH_KEYS": "",
    "ABUSEDESK_EXCHANGE_ENTRY_DAYS": 730,
}
ISP_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{1,62}$")
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
MIN_HASH_KEY_BYTES = 32


@dataclass(frozen=True)
class HashKey:
    key_id: str
    secret: bytes


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def b64decode(value: str) -> bytes:
    text = value.strip()
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode("ascii").rstrip("=")


def parse_hash_keys(raw: str) -> list[HashKey]:
    keys: list[HashKey] = []
    for item in (raw or "").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise ValueError(f"{item[:12]!r}…: expected id:base64 with an id of letters, digits, . _ -")
        try:
            decoded = b64decode(secret)
        except ValueError:
            raise ValueError(f"key {key_id!r} is not base64") from None
        if len(decoded) < MIN_HASH_KEY_BYTES:
            raise ValueError(f"key {key_id!r} has {len(decoded)} bytes; at least {MIN_HASH_KEY_BYTES} needed")
        if any(k.key_id == key_id for k in keys):
            raise ValueError(f"key id {key_id!r} is given twice")
        keys.append(HashKey(key_id, decoded))
    return keys


def hash_keys() -> list[HashKey]:
    return parse_hash_keys(setting("ABUSEDESK_EXCHANGE_HASH_KEYS"))


def parse_signing_key(raw: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        decoded = b64decode(raw)
    except ValueError:
        raise ValueError("not base64") from None
    if len(decoded) != 32:
        raise ValueError(f"an Ed25519 private key has 32 bytes, this has {len(decoded)}")
    return Ed25519PrivateKey.from_private_bytes(decoded)


def check_settings() -> None:
    isp_id = setting("ABUSEDESK_EXCHANGE_ISP_ID")
    if isp_id and not ISP_ID.match(isp_id):
        raise ImproperlyConfigured(
            f"ABUSEDESK_EXCHANGE_ISP_ID must be lower-case letters, digits, . and - (got {isp_id!r})"
        )
    try:
        hash_keys()
    except ValueError as exc:
        raise ImproperlyConfigured(f"ABUSEDESK_EXCHANGE_HASH_KEYS: {exc}") from None
    raw = setting("ABUSEDESK_EXCHANGE_SIGNING_KEY")
    if raw:
        try:
            parse_signing_key(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"ABUSEDESK_EXCHANGE_SIGNING_KEY: {exc}") from None
