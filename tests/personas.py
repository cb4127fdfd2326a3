"""The people and clients the tests act as: staff, manager, a partner, anonymous."""

from __future__ import annotations

import pytest
from django.test import Client

from abusedesk.roles import UserRole
from abusedesk.services import api_token_create, user_create

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: UserRole):
    return user_create(username=username, role=role, password=PASSWORD)


@pytest.fixture
def staff(db):
    return make_user("sato", UserRole.STAFF)


@pytest.fixture
def manager(db):
    return make_user("tanaka", UserRole.MANAGER)


@pytest.fixture
def other_manager(db):
    return make_user("suzuki", UserRole.MANAGER)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def staff_token(staff):
    return api_token_create(user=staff)[1]


def token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def partner(db):
    """(Partner, API key) of a partner ISP filing reports."""
    from complaints.services.partners import partner_create

    return partner_create(name="Receiver ISP", contact_email="abuse@receiver.example")


@pytest.fixture
def other_partner(db):
    from complaints.services.partners import partner_create

    return partner_create(name="Other ISP", contact_email="abuse@other.example")
