from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from abusedesk.errors import ApplicationError
from abusedesk.services import api_token_create
from complaints.models import Partner

RATE_RE = re.compile(r"^\d+/(s|sec|m|min|h|hour|d|day)$")


@transaction.atomic
def partner_create(*, name: str, contact_email: str = "", rate_limit: str = "120/min") -> tuple[Partner, str]:
    """Create a partner ISP with its API client user; returns the partner and its key."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("partner name must not be empty"), fields={"name": ["required"]})
    if not RATE_RE.match(rate_limit):
        raise ApplicationError(
            _("rate limit %(r)s must look like 120/min") % {"r": repr(rate_limit)},
            fields={"rate_limit": ["invalid"]},
        )
    if Partner.objects.filter(name__iexact=name).exists():
        raise ApplicationError(_("partner %(name)s already exists") % {"name": repr(name)}, code="conflict")
    User = get_user_model()
    username = "partner:" + re.sub(r"[^\w.@+-]", "-", name)[:140]
    user = User(username=username, email=contact_email)
    user.set_unusable_password()  # an API client, never a browser user
    user.save()
    partner = Partner.objects.create(name=name, user=user, contact_email=contact_email, rate_limit=rate_limit)
    token, key = api_token_create(user=user, name=f"partner {name}")
    # API access given out: on the record, as its changes (partner_update) and its
    # revocation (api_token_revoke) are.
    from abusedesk.audit import audit_record

    audit_record(
        action="partner.created",
        obj=partner,
        data={"contact_email": contact_email, "rate_limit": rate_limit, "token_prefix": token.prefix},
    )
    return partner, key


def partner_update(*, partner: Partner, actor, contact_email: str, rate_limit: str) -> Partner:
    """A person changes a partner's contact or rate limit; the change is audited.

    A bad rate would break the throttle of every request of that partner, so it is
    checked here like at creation. The name stays: reports carry it as their reporter.
    """
    from abusedesk.audit import audit_record

    rate_limit = (rate_limit or "").strip()
    if not RATE_RE.match(rate_limit):
        raise ApplicationError(
            _("rate limit %(r)s must look like 120/min") % {"r": repr(rate_limit)},
            fields={"rate_limit": ["invalid"]},
        )
    before = {"contact_email": partner.contact_email, "rate_limit": partner.rate_limit}
    after = {"contact_email": (contact_email or "").strip(), "rate_limit": rate_limit}
    if before == after:
        return partner
    with transaction.atomic():
        Partner.objects.filter(pk=partner.pk).update(**after)
        audit_record(
            actor=actor, action="partner.updated", obj=partner, data={"before": before, "after": after}
        )
    partner.refresh_from_db()
    return partner
