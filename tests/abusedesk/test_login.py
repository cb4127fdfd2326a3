import pytest
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_the_login_page():
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_carries_a_csrf_token():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_login_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "sato", "password": PASSWORD})
    assert response.status_code == 403


def test_staff_logs_in_and_sees_the_role(staff):
    client = Client()
    response = client.post(reverse("login"), {"username": "sato", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert b"Role: abuse staff" in response.content


def test_wrong_password_shows_an_error(staff):
    response = Client().post(reverse("login"), {"username": "sato", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_logout_is_a_post(staff_client):
    assert staff_client.get(reverse("logout")).status_code == 405
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    assert staff_client.get(reverse("home")).status_code == 302


def test_the_page_speaks_japanese_when_the_browser_asks(staff_client):
    response = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="ja">' in response.content.decode()


def test_healthz_answers_without_login():
    response = Client().get("/healthz")
    assert response.json() == {"status": "ok"}
