"""Guessing is throttled: wrong passwords (login page and admin) and invalid API tokens, per address."""

import pytest
from django.test import Client
from django.urls import reverse

from abusedesk.services import api_token_create
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ABUSEDESK_API_TOKEN_FAILURE_LIMIT = 4


def login(client, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": "sato", "password": password}, **extra)


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_address_out_for_a_while(staff, url):
    client = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(2):
        assert login(client, "guess", url).status_code == 200
    locked = login(client, "guess", url)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Too many failed sign-ins from your address. Try again in 15 minutes" in locked.content.decode()
    # Even the right password waits: the address is locked, not the guess.
    assert login(client, PASSWORD, url).status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked_out(staff):
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(3):
        login(attacker, "guess")
    colleague = Client(REMOTE_ADDR="198.51.100.20")
    assert login(colleague, PASSWORD).status_code == 302


def test_the_lockout_page_speaks_japanese(staff):
    client = Client(REMOTE_ADDR="192.0.2.11", HTTP_ACCEPT_LANGUAGE="ja")
    for _ in range(3):
        response = login(client, "guess")
    assert response.status_code == 429
    assert "ログインの失敗が続いた" in response.content.decode()


def test_a_success_resets_the_count(staff):
    client = Client(REMOTE_ADDR="192.0.2.12")
    login(client, "guess")
    login(client, "guess")
    assert login(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert login(client, "guess").status_code == 200  # counted from zero again


def whoami(key, address="192.0.2.30", **extra):
    return Client(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address, **extra).get("/api/v1/whoami/")


def test_invalid_api_tokens_are_throttled_per_address(staff):
    key = api_token_create(user=staff)[1]
    for n in range(4):
        assert whoami(f"adk_wrong-{n}").status_code == 401
    blocked = whoami("adk_wrong-5")
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    assert "Too many invalid API tokens from your address" in blocked.json()["detail"]
    assert int(blocked["Retry-After"]) == 15 * 60
    assert whoami(key).status_code == 429  # a good token from the same address waits too
    assert whoami(key, address="198.51.100.31").status_code == 200


def test_the_token_lockout_speaks_japanese(staff):
    for n in range(5):
        response = whoami(f"adk_wrong-{n}", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429
    assert "無効な API トークン" in response.json()["detail"]


def test_good_tokens_are_never_counted(staff):
    key = api_token_create(user=staff)[1]
    for _ in range(10):
        assert whoami(key).status_code == 200
