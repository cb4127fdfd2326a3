import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from abusedesk.models import ApiToken
from abusedesk.roles import UserRole, user_role

pytestmark = pytest.mark.django_db
User = get_user_model()


def run(*args):
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_manager_who_can_log_in():
    run("yamada", "--role", "manager", "--password", "a-long-pass-phrase-7")
    user = User.objects.get(username="yamada")
    assert user_role(user) == UserRole.MANAGER
    assert Client().login(username="yamada", password="a-long-pass-phrase-7")


def test_with_token_the_last_line_is_a_working_api_key():
    out = run("ito", "--role", "staff", "--password", "a-long-pass-phrase-7", "--token")
    key = out.strip().splitlines()[-1]
    assert key.startswith("adk_")
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/schema/")
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert key not in (token.digest, token.prefix)  # only the digest is stored


def test_unknown_role_is_refused():
    with pytest.raises(CommandError):
        run("x", "--role", "admin", "--password", "a-long-pass-phrase-7")


def test_weak_password_is_refused_in_one_line():
    with pytest.raises(CommandError, match="password rejected"):
        run("kato", "--role", "staff", "--password", "123")
    assert not User.objects.filter(username="kato").exists()


def test_existing_user_is_refused(staff):
    with pytest.raises(CommandError, match="already exists"):
        run("sato", "--role", "staff", "--password", "a-long-pass-phrase-7")


def test_without_password_and_terminal_it_fails(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="no --password"):
        run("mori", "--role", "staff")
