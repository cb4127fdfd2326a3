"""Signed bundles: the file format and the API body of the exchange.

Ed25519 (from `cryptography`) rather than HMAC: each ISP signs with its own
private key and the others verify with its public key, so a participant can
prove who sent a bundle and cannot forge one in another ISP's name — with the
HMAC key the participants share for hashing, any of them could. We sign the
exact payload bytes carried as a string inside the envelope, so no JSON
canonicalisation is needed, and the one algorithm is fixed (no `alg` header to
downgrade, unlike JOSE).

Envelope: {"format": "abusedesk-signed-bundle/1", "signer": ISP id,
"algorithm": "Ed25519", "payload": "<JSON text>", "signature": base64url}.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from abusedesk.errors import ApplicationError

from .conf import b64decode, b64encode

ENVELOPE_FORMAT = "abusedesk-signed-bundle/1"
ALGORITHM = "Ed25519"


class BundleError(ApplicationError):
    code = "bad_bundle"


def public_key_text(private_key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64encode(raw)


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = b64decode(text)
    except ValueError:
        raise ValueError("the public key is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this has {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_bundle(payload: dict, *, signer: str, private_key: Ed25519PrivateKey) -> bytes:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    signature = private_key.sign(text.encode("utf-8"))
    envelope = {
        "format": ENVELOPE_FORMAT,
        "signer": signer,
        "algorithm": ALGORITHM,
        "payload": text,
        "signature": b64encode(signature),
    }
    return json.dumps(envelope, ensure_ascii=True, indent=1).encode("ascii") + b"\n"


def open_bundle(raw: bytes, *, verify_key_for: Callable[[str], str | None]) -> tuple[str, dict]:
    """(signer, payload) of a bundle whose signature verifies; BundleError with one line otherwise."""
    try:
        envelope = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, over-long numbers, deep nesting
        raise BundleError(f"not a signed bundle: invalid JSON ({exc})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != ENVELOPE_FORMAT:
        raise BundleError(f"not a signed bundle: format is not {ENVELOPE_FORMAT}")
    if envelope.get("algorithm") != ALGORITHM:
        raise BundleError(f"unsupported signature algorithm {envelope.get('algorithm')!r}")
    signer, text, signature = envelope.get("signer"), envelope.get("payload"), envelope.get("signature")
    if not isinstance(signer, str) or not isinstance(text, str) or not isinstance(signature, str):
        raise BundleError("the bundle lacks its signer, payload or signature")
    key_text = verify_key_for(signer)
    if not key_text:
        raise BundleError(f"unknown or inactive sender {signer!r}: register it as a participant first")
    try:
        parse_public_key(key_text).verify(b64decode(signature), text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        raise BundleError(f"the signature does not verify with {signer}'s key: refused") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"the signed payload is not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise BundleError("the signed payload is not a JSON object")
    return signer, payload
