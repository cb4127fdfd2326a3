"""Throttling of guessed credentials: wrong passwords (django-axes) and invalid API tokens.

Both count per client address (REMOTE_ADDR: behind a reverse proxy, have the
proxy set it, e.g. gunicorn's --forwarded-allow-ips). Wrong passwords on the
login page and the admin login are counted by axes' authentication backend; a
locked-out address gets a 429 page saying when to try again. Invalid API tokens
are counted here in the cache; a blocked address gets a 429 with Retry-After.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

BAD_TOKEN_KEY = "abusedesk:bad-api-token:{}"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def axes_client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address as for tokens; None when a request has none
    (a login without HTTP, e.g. the test client's force_login), which axes stores as unknown."""
    return request.META.get("REMOTE_ADDR") or None


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page's 429, in the person's language."""
    minutes = lockout_minutes()
    response = render(
        request,
        "registration/locked_out.html",
        {
            "message": _(
                "Too many failed sign-ins from your address. Try again in %(minutes)s minutes, "
                "or ask an administrator to unlock it."
            )
            % {"minutes": minutes}
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


# -- API tokens ---------------------------------------------------------------------------


def bad_token_wait(address: str) -> int | None:
    """Seconds this address must wait before presenting another token, or None."""
    key = BAD_TOKEN_KEY.format(address)
    if (cache.get(key) or 0) < settings.ABUSEDESK_API_TOKEN_FAILURE_LIMIT:
        return None
    return settings.ABUSEDESK_API_TOKEN_LOCKOUT_MINUTES * 60


def bad_token_count(address: str) -> None:
    """One more invalid token from this address, in a window that starts with the first."""
    key = BAD_TOKEN_KEY.format(address)
    cache.add(key, 0, timeout=settings.ABUSEDESK_API_TOKEN_LOCKOUT_MINUTES * 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.ABUSEDESK_API_TOKEN_LOCKOUT_MINUTES * 60)
