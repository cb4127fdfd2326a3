"""Keyed hashes of normalised keys: what travels between ISPs instead of identifiers.

HMAC-SHA256 with a key the participating ISPs share, over "kind:key", so the
same phone number hashed as a phone and as a card never collide, and nobody
without the shared key can test a guess against an entry.
"""

from __future__ import annotations

import hashlib
import hmac

from .conf import HashKey


def keyed_digest(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def digests_by_kind(key: HashKey, keys: dict[str, str]) -> dict[str, str]:
    return {kind: keyed_digest(key.secret, kind, value) for kind, value in keys.items()}
