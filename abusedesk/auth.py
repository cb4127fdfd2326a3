from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions, permissions

from . import rawsql
from .choices import TokenScope
from .models import ApiToken, token_digest
from .throttling import bad_token_count, bad_token_wait, client_address


class LoginThrottleBackend(AxesStandaloneBackend):
    """Counts wrong passwords per client address and refuses a locked-out one (django-axes).

    A call without a request (the test client's login(), a shell) is no sign-in
    over the network and has no address to count: it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class TokenThrottled(exceptions.Throttled):
    """429 with Retry-After (DRF sets it from `wait`) and a reason in the client's language."""

    def __init__(self, wait: int):
        detail = gettext(
            "Too many invalid API tokens from your address. Try again in %(minutes)s minutes."
        ) % {"minutes": max(1, wait // 60)}
        exceptions.APIException.__init__(self, detail, "throttled")
        self.wait = wait


DEFAULT_SCOPES = (TokenScope.API,)


def view_scopes(view) -> tuple[str, ...]:
    """The key scopes an API view accepts: its `token_scopes`, else the ordinary desk and partner scope."""
    return tuple(getattr(view, "token_scopes", DEFAULT_SCOPES))


class ScopeDenied(exceptions.PermissionDenied):
    default_detail = _("This API key's scope does not allow this endpoint.")
    default_code = "scope"


class ScopedAuthentication:
    """Credentials that carry a scope and are accepted only by views of that scope.

    The check is made while authenticating, so it holds for every API view,
    whatever permission classes the view sets (even AllowAny): a screening key
    opens the screening endpoint and nothing else, and no other credential opens
    that endpoint. tests/abusedesk/test_token_scope.py keeps every API view on
    authentication classes of this kind.
    """

    def check_scope(self, request, scope: str) -> None:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if scope not in view_scopes(view):
            raise ScopeDenied()


_TOKEN_SQL: dict[tuple, tuple[str, list]] = {}


def _token_statement() -> tuple[str, list]:
    """The authenticating statement: the active token of a digest with its user and the
    user's relations every API request reads (ABUSEDESK_API_TOKEN_USER_RELATED, reverse
    one-to-ones such as the partner), written once and prepared (abusedesk/rawsql.py):
    compiling the ORM query cost more than running it, on every API request."""
    names = tuple(settings.ABUSEDESK_API_TOKEN_USER_RELATED)
    key = (connection.vendor, names)
    if key not in _TOKEN_SQL:
        user_model = get_user_model()
        relations = [user_model._meta.get_field(name) for name in names]
        reader = rawsql.row_reader(ApiToken, user_model, *(rel.related_model for rel in relations))
        aliases = ["t", "u", *(f"r{i}" for i in range(len(relations)))]
        quote = connection.ops.quote_name
        joins = "".join(
            f" LEFT JOIN {quote(rel.related_model._meta.db_table)} r{i} "
            f"ON r{i}.{quote(rel.field.column)} = u.{quote(user_model._meta.pk.column)}"
            for i, rel in enumerate(relations)
        )
        # Table and column names come from the models' metadata; the digest is a parameter.
        sql = (
            f"SELECT {reader.columns(*aliases)} FROM {quote(ApiToken._meta.db_table)} t "  # noqa: S608
            f"JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} "
            f"= t.{quote(ApiToken._meta.get_field('user').column)}"
            # ApiToken.objects.active(): not revoked (tests/abusedesk/test_tokens.py holds
            # the two to the same answer).
            f"{joins} WHERE t.digest = %s AND t.revoked_at IS NULL"
        )
        _TOKEN_SQL[key] = (sql, relations)
    return _TOKEN_SQL[key]


def token_with_user(digest: str) -> ApiToken | None:
    """The active token of this digest, its user loaded, and the user's relations named
    in ABUSEDESK_API_TOKEN_USER_RELATED cached on the user (None where there is none)."""
    sql, relations = _token_statement()
    rows = rawsql.fetch(sql, [digest])
    if not rows:
        return None
    user_model = get_user_model()
    reader = rawsql.row_reader(ApiToken, user_model, *(rel.related_model for rel in relations))
    (token, user, *related), _rest = reader.read(rows[0])
    for rel, obj in zip(relations, related, strict=True):
        rel.set_cached_value(user, obj)
        if obj is not None:
            rel.field.set_cached_value(obj, user)
    token.user = user
    return token


class HashedTokenAuthentication(ScopedAuthentication, authentication.TokenAuthentication):
    """`Authorization: Token <key>` against the hashed, revocable ApiToken table.

    Invalid tokens are counted per client address; past the limit the address
    gets 429 (with Retry-After) for any token until the window ends. A valid key
    of another scope than the view's gets 403 (not counted as invalid).
    """

    keyword = "Token"
    model = ApiToken

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not a token request: other authentication may apply
        address = client_address(request)
        wait = bad_token_wait(address)
        if wait is not None:
            raise TokenThrottled(wait)
        try:
            user, token = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            bad_token_count(address)
            raise
        self.check_scope(request, token.scope)
        return user, token

    def authenticate_credentials(self, key):
        token = token_with_user(token_digest(key))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        # Cheap "last used" bookkeeping: at most one write a minute per token.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class ScopedSessionAuthentication(ScopedAuthentication, authentication.SessionAuthentication):
    """The desk's own pages and the API docs call the API with the browser session,
    which has the ordinary scope: it never opens a screening-only endpoint."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            self.check_scope(request, TokenScope.API)
        return result


class TokenScopePermission(permissions.IsAuthenticated):
    """Authenticated, and the API key's scope is one the view accepts.

    A view names the scopes it accepts in `token_scopes` (default: the ordinary
    desk and partner scope). Session logins count as that ordinary scope, so a
    screening key (made for the ISP's sign-up system) opens nothing but the
    screening endpoint, and no other key or login opens that endpoint. The
    authentication classes above already refuse a credential of the wrong scope;
    this is the same rule again for a view that brings its own authentication.
    """

    message = ScopeDenied.default_detail

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        scope = request.auth.scope if isinstance(request.auth, ApiToken) else TokenScope.API
        return scope in view_scopes(view)


class ScopedSessionScheme(SessionScheme):
    """The schema names the session login as drf-spectacular does for Django's own class."""

    target_class = "abusedesk.auth.ScopedSessionAuthentication"
