from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.choices import TokenScope
from abusedesk.errors import ApplicationError, Conflict
from abusedesk.services import api_token_create


@transaction.atomic
def screening_client_create(*, name: str, actor=None) -> tuple[object, str]:
    """An API client for the ISP's sign-up system with a screening-only key; returns (user, key)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A client name is required."), fields={"name": ["required"]})
    User = get_user_model()
    username = "screening:" + re.sub(r"[^\w.@+-]", "-", name)[:130]
    if User.objects.filter(username=username).exists():
        raise Conflict(_("Screening client %(name)s already exists.") % {"name": repr(name)})
    user = User(username=username)
    user.set_unusable_password()  # an API client, never a browser user
    user.save()
    _token, key = api_token_create(user=user, name=f"screening {name}", scope=TokenScope.SCREENING)
    audit_record(
        actor=actor,
        action="screening.client.created",
        obj=user,
        reason=f"sign-up screening client {name}",
        data={"scope": TokenScope.SCREENING},
    )
    return user, key
