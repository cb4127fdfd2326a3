import pytest
from django.test import Client

from abusedesk.models import ApiToken
from abusedesk.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def get_schema(key):
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/whoami/")


def test_a_revoked_token_no_longer_authenticates(staff):
    token, key = api_token_create(user=staff)
    response = get_schema(key)
    assert response.status_code == 200
    assert response.json() == {"username": "sato", "role": "staff"}
    api_token_revoke(token=token)
    response = get_schema(key)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_an_unknown_token_is_rejected_with_a_reason():
    response = get_schema("adk_not-a-real-key")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_stored_digest_is_sha256_of_the_key(staff):
    import hashlib

    token, key = api_token_create(user=staff)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert ApiToken.objects.filter(digest=token.digest).exists()


def test_tokens_of_inactive_users_fail(staff):
    _, key = api_token_create(user=staff)
    staff.is_active = False
    staff.save()
    assert get_schema(key).status_code == 401
