"""Who filed a report, as evidence counts reporters (E2: N distinct reporters).

A report's `reporter_key` says how it reached us (`email:<sender>`, `partner:<name>`,
`user:<staff>`) and keeps its idempotency; the identity here says who is behind it, so
that one reporter is never counted as several:

- an address's sub-address tag (RFC 5233: `taro+abuse@` and `taro@`) and its case;
- a partner writing by mail from the contact address it is registered with, as well
  as filing over the API;
- a reporting service that files each of its users' complaints from an address of its
  own (SpamCop: `<report number>@reports.spamcop.net`): the people behind them are not
  known to be different, so the service counts once.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from complaints.parsing.hosts import registrable_domain

_SUBADDRESS = re.compile(r"\+[^@]*(?=@[^@]*$)")
# Formats written by a service on behalf of a complainant it does not name.
RELAYING_SERVICE_FORMATS = frozenset({"spamcop"})


def partner_keys_by_email() -> dict[str, str]:
    """The partners' registered contact addresses, each to its partner's reporter key."""
    from complaints.models import Partner

    rows = Partner.objects.exclude(contact_email="").values_list("name", "contact_email")
    return {email.strip().lower(): f"partner:{name}" for name, email in rows}


def reporter_identity(key: str, report_format: str | None, partners: dict[str, str]) -> str:
    if not key.startswith("email:"):
        return key
    address = key.removeprefix("email:").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return f"email:{address}"
    if report_format in RELAYING_SERVICE_FORMATS:
        return f"service:{registrable_domain(domain) or domain}"
    address = _SUBADDRESS.sub("", address)
    return partners.get(address, f"email:{address}")


# How a reporter key reads on a page, by its prefix (the key itself stays in the CSV).
_KEY_LABELS = {
    "partner": _("%(name)s (partner)"),
    "service": _("%(name)s (reporting service)"),
    "user": _("%(name)s (filed by staff)"),
    "telemetry": _("login %(name)s (our own telemetry)"),
}


def reporter_label(key: str) -> str:
    """A `reporter_key` as a person reads it: `email:` drops its prefix (the address is
    the reporter), other prefixes become words; an unknown one shows as stored."""
    prefix, colon, name = (key or "").partition(":")
    if not colon or not name:
        return key or ""
    if prefix == "email":
        return name
    found = _KEY_LABELS.get(prefix)
    return str(found) % {"name": name} if found is not None else key
