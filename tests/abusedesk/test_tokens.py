import pytest
from django.core.exceptions import ObjectDoesNotExist
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


def test_the_authenticating_read_answers_as_the_active_tokens_do_with_the_partner_loaded(staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abusedesk.auth import token_with_user
    from complaints.services.partners import partner_create

    partner, partner_key = partner_create(name="Partner ISP", contact_email="abuse@partner.example")
    staff_token, _ = api_token_create(user=staff)
    revoked, _ = api_token_create(user=staff)
    api_token_revoke(token=revoked)
    for token in ApiToken.objects.all():
        found = token_with_user(token.digest)
        expected = ApiToken.objects.active().filter(pk=token.pk).first()
        assert (found.pk if found else None) == (expected.pk if expected else None)
    assert token_with_user("0" * 64) is None

    digest = ApiToken.objects.get(user=partner.user).digest
    with CaptureQueriesContext(connection) as queries:
        token = token_with_user(digest)
        assert token.user.partner == partner and token.user.partner.user is token.user
    assert len(queries) == 1  # the partner came with the token
    staff_user = token_with_user(staff_token.digest).user
    with CaptureQueriesContext(connection) as queries, pytest.raises(ObjectDoesNotExist):
        staff_user.partner  # noqa: B018  (none, and known without another read)
    assert len(queries) == 0
    assert Client(HTTP_AUTHORIZATION=f"Token {partner_key}").get("/api/v1/whoami/").status_code == 200
