"""Keys, participants and terminations for the screening tests."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from abusedesk.choices import TokenScope
from abusedesk.services import api_token_create
from screening.conf import b64encode
from screening.services import participant_register, termination_sync
from screening.signing import public_key_text
from subscribers.models import Subscriber

_ids = itertools.count(1)
HASH_KEY = "k2026:" + b64encode(b"s" * 32)
OLD_HASH_KEY = "k2025:" + b64encode(b"o" * 32)


def private_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return b64encode(raw)


@pytest.fixture
def our_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def exchange(settings, our_key):
    """This desk configured as jp.our-isp in an exchange with one shared hash key."""
    settings.ABUSEDESK_EXCHANGE_ISP_ID = "jp.our-isp"
    settings.ABUSEDESK_EXCHANGE_SIGNING_KEY = private_key_text(our_key)
    settings.ABUSEDESK_EXCHANGE_HASH_KEYS = HASH_KEY
    settings.ABUSEDESK_EXCHANGE_ENTRY_DAYS = 730
    return settings


@dataclass
class Peer:
    """Another ISP: its private key, its registration here, and its API key."""

    key: Ed25519PrivateKey
    participant: object
    api_key: str


@pytest.fixture
def peer(db, partner):
    """The partner ISP of the complaints API, also a participant of the exchange."""
    partner_obj, api_key = partner
    key = Ed25519PrivateKey.generate()
    participant = participant_register(
        isp_id="jp.peer-isp", name="Peer ISP", verify_key=public_key_text(key), user=partner_obj.user
    )
    return Peer(key, participant, api_key)


@pytest.fixture
def screening_key(db):
    from screening.services.clients import screening_client_create

    return screening_client_create(name="signup-web")[1]


def identity(**overrides) -> dict:
    values = {
        "name": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "postal_address": "〒150-0001 東京都渋谷区神宮前三丁目4番5号 メゾン青葉201号室",
        "phone": "090-1234-5678",
        "email": "taro.yamada@example.ne.jp",
        "card_fingerprint": "fp_9hX2kLmN0pQrStUv",
        "exchange_clause": True,
        "exchange_consent_at": timezone.now() - timedelta(days=400),
        "exchange_consent_record": "sign-up form v3, checkbox 7",
    }
    return {**values, **overrides}


def make_subscriber(**overrides) -> Subscriber:
    n = next(_ids)
    return Subscriber.objects.create(subscriber_id=f"S-SCR-{n}", **identity(**overrides))


def measure(
    subscriber,
    *,
    state="carried_out",
    level="L7",
    culpability="intentional",
    emergency=False,
    reviewed_at=None,
    carried_out_at: datetime | None = None,
    pk: int | None = None,
):
    """The attributes of a sanction that termination_sync reads (its documented interface)."""
    pk = pk or 900_000 + next(_ids)
    return SimpleNamespace(
        pk=pk,
        reference=f"ADS-{pk:06d}",
        case_id=None,
        level=level,
        culpability=culpability,
        state=state,
        emergency=emergency,
        reviewed_at=reviewed_at,
        carried_out_at=carried_out_at or timezone.now(),
        account_id=1,
        account=SimpleNamespace(subscriber=subscriber),
    )


def terminate(subscriber, **kwargs):
    return termination_sync(measure=measure(subscriber, **kwargs), actor=None, reason="test: carried out")


def reverse(termination):
    m = measure(termination.subscriber, state="lifted", pk=termination.sanction_id)
    return termination_sync(measure=m, actor=None, reason="test: lifted on appeal")


def applicant(**overrides) -> dict:
    """The screening form of identity(): the names the API uses."""
    ids = identity()
    values = {
        "name": ids["name"],
        "kana": ids["name_kana"],
        "address": ids["postal_address"],
        "phone": ids["phone"],
        "email": ids["email"],
        "card": ids["card_fingerprint"],
    }
    return {**values, **overrides}


def random_reference() -> str:
    return "T-" + secrets.token_hex(10).upper()


__all__ = ["TokenScope", "api_token_create"]
