from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from .choices import TokenScope
from .models import ApiToken, token_digest


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` against the hashed, revocable ApiToken table."""

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.active().select_related("user").filter(digest=token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        # Cheap "last used" bookkeeping: at most one write a minute per token.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class TokenScopePermission(permissions.IsAuthenticated):
    """Authenticated, and the API key's scope is one the view accepts.

    A view names the scopes it accepts in `token_scopes` (default: the ordinary
    desk and partner scope). Session logins count as that ordinary scope, so a
    screening key (made for the ISP's sign-up system) opens nothing but the
    screening endpoint, and no other key or login opens that endpoint.
    """

    message = _("This API key's scope does not allow this endpoint.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        scope = request.auth.scope if isinstance(request.auth, ApiToken) else TokenScope.API
        return scope in getattr(view, "token_scopes", (TokenScope.API,))
