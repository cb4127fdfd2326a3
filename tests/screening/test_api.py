"""POST /api/v1/screening/ and /api/v1/exchange/entries/: scopes, answers, refusals."""

import json

import pytest

from abusedesk.models import AuditEntry
from screening.models import ReceivedEntry, Transfer
from tests.personas import token_client

from .conftest import applicant, make_subscriber, terminate
from .test_exchange import peer_bundle

pytestmark = pytest.mark.django_db
URL = "/api/v1/screening/"
EXCHANGE = "/api/v1/exchange/entries/"


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_the_sign_up_system_gets_verdict_kinds_and_reference_only(screening_key):
    termination = terminate(make_subscriber())
    response = post(
        token_client(screening_key), {**applicant(), "purpose": "new application", "application_ref": "A-1"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["verdict"] == "match"
    assert "never an automatic refusal" in body["advice"]
    assert body["hits"] == [
        {
            "source": "own",
            "isp": "",
            "reference": termination.sanction_reference,
            "case": None,
            "verdict": "match",
            "matched": {k: "exact" for k in ("address", "card", "email", "kana", "name", "phone")},
        }
    ]
    assert set(body) == {"id", "at", "verdict", "advice", "hits"}
    assert AuditEntry.objects.filter(action="screening.query", reason="new application").count() == 1


def test_the_advice_is_translated(screening_key):
    response = token_client(screening_key).post(
        URL,
        data=json.dumps({**applicant(), "purpose": "x"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 201 and "自動的に" in response.json()["advice"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "山田 太郎"}, "purpose"),
        ({"purpose": "x", "phone": "12"}, "phone"),
        ({"purpose": "x", "card": "4111111111111111"}, "card"),
        ({"purpose": "x"}, None),
    ],
)
def test_bad_input_gets_400_with_the_reason(screening_key, body, field):
    response = post(token_client(screening_key), body)
    assert response.status_code == 400
    if field:
        assert field in response.json()["fields"]
    else:
        assert "identifier" in response.json()["detail"]


def test_partner_staff_and_session_get_403_on_screening(partner, staff_token, staff_client):
    for client in (token_client(partner[1]), token_client(staff_token), staff_client):
        assert post(client, {**applicant(), "purpose": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/whoami/"),
        ("get", "/api/v1/reports/"),
        ("get", "/api/v1/cases/"),
        ("post", "/api/v1/reports/"),
        ("get", "/api/v1/sanctions/1/"),
        ("get", EXCHANGE),
        ("post", EXCHANGE),
    ],
)
def test_a_screening_key_opens_nothing_else(screening_key, method, path):
    response = getattr(token_client(screening_key), method)(path)
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]


def test_a_screening_key_cannot_log_in_to_the_browser(screening_key):
    response = token_client(screening_key).get("/screening/")
    assert response.status_code == 302  # to the login page: tokens are not sessions


def test_a_participant_fetches_our_signed_bundle(exchange, peer, our_key):
    from screening.signing import open_bundle, public_key_text

    terminate(make_subscriber())
    response = token_client(peer.api_key).get(EXCHANGE)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    signer, payload = open_bundle(response.content, verify_key_for=lambda isp: public_key_text(our_key))
    assert signer == "jp.our-isp" and len(payload["entries"]) == 1
    transfer = Transfer.objects.get()
    assert transfer.participant == peer.participant and transfer.channel == "api"


def test_a_participant_submits_its_bundle(exchange, peer):
    raw = peer_bundle(peer, [applicant()])
    response = token_client(peer.api_key).post(EXCHANGE, data=raw, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"]["added"] == 1
    assert ReceivedEntry.objects.get().participant == peer.participant


def test_a_bundle_signed_by_another_isp_is_refused(exchange, peer, other_partner):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from screening.services import participant_register
    from screening.signing import public_key_text

    from .conftest import Peer

    other_key = Ed25519PrivateKey.generate()
    other = Peer(
        other_key,
        participant_register(
            isp_id="jp.third", name="Third", verify_key=public_key_text(other_key), user=other_partner[0].user
        ),
        other_partner[1],
    )
    raw = peer_bundle(other, [applicant()])
    response = token_client(peer.api_key).post(EXCHANGE, data=raw, content_type="application/json")
    assert response.status_code == 403 and not ReceivedEntry.objects.exists()


def test_bad_bundles_get_400_and_stale_ones_409(exchange, peer):
    client = token_client(peer.api_key)
    assert client.post(EXCHANGE, data=b"{}", content_type="application/json").status_code == 400
    from datetime import timedelta

    from django.utils import timezone

    client.post(EXCHANGE, data=peer_bundle(peer, []), content_type="application/json")
    stale = peer_bundle(peer, [], created_at=timezone.now() - timedelta(days=1))
    assert client.post(EXCHANGE, data=stale, content_type="application/json").status_code == 409


def test_partners_outside_the_exchange_and_staff_get_403(exchange, partner, staff_token):
    for key in (partner[1], staff_token):
        assert token_client(key).get(EXCHANGE).status_code == 403


def test_fetch_without_configuration_is_503(peer):
    assert token_client(peer.api_key).get(EXCHANGE).status_code == 503


def test_the_schema_documents_both_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/screening/" in schema["paths"] and EXCHANGE in schema["paths"]
