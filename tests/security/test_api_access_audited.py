"""Who got API access, and who lost it, is on the sealed audit trail: a partner ISP
registered (create_partner: a user and its token), a token given out by
`create_user --token`, a token revoked in the admin. None of these wrote an entry."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from abusedesk.models import ApiToken, AuditEntry
from abusedesk.services import api_token_create

pytestmark = pytest.mark.django_db


def test_registering_a_partner_is_in_the_audit_trail():
    out = StringIO()
    call_command(
        "create_partner", "Example ISP", "--email", "abuse@isp.example", "--rate", "60/min", stdout=out
    )
    key = out.getvalue().strip().splitlines()[-1]
    entry = AuditEntry.objects.get(action="partner.created")
    assert entry.object_type == "complaints.partner"
    assert entry.data["rate_limit"] == "60/min" and entry.data["token_prefix"] == key[:10]


def test_a_token_given_out_by_create_user_is_in_the_audit_trail():
    out = StringIO()
    call_command(
        "create_user", "ops", "--role", "staff", "--password", "a-Long-passw0rd-77", "--token", stdout=out
    )
    key = out.getvalue().strip().splitlines()[-1]
    entry = AuditEntry.objects.get(action="api_token.created")
    assert entry.data["user"] == "ops" and entry.data["prefix"] == key[:10]
    assert entry.reason == "manage.py create_user --token"


def test_revoking_a_token_in_the_admin_is_in_the_audit_trail():
    root = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    holder = get_user_model().objects.create_user("holder")
    token, _key = api_token_create(user=holder, name="partner feed")
    client = Client()
    client.force_login(root)
    answer = client.post(
        "/admin/abusedesk/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert answer.status_code in (200, 302)
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="api_token.revoked")
    assert entry.actor_id == root.pk and entry.data["user"] == "holder"
    # Revoked again: nothing changes, no second entry.
    client.post("/admin/abusedesk/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at == token.revoked_at
