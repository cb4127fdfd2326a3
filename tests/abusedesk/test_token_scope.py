"""A key opens only the endpoints of its scope, whatever permissions a view sets.

The scope is checked while authenticating (abusedesk/auth.py), not only by the
default permission class, so a view that brings its own permission classes (the
public schema and docs do) cannot let a screening key through by forgetting it.
The permission matrix (tests/security/test_permission_matrix.py) walks every route
with a screening key; here are the construction and the rule itself.
"""

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.auth import ScopedAuthentication
from abusedesk.choices import TokenScope
from abusedesk.services import api_token_create
from tests.personas import token_client

pytestmark = pytest.mark.django_db


def _api_views(patterns=None):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns)
        elif isinstance(p, URLPattern):
            view = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
            if isinstance(view, type) and issubclass(view, APIView):
                yield p.name, view


def test_every_api_view_checks_the_scope_while_authenticating():
    views = list(_api_views())
    assert len(views) > 10  # the walk finds the API
    unscoped = [
        f"{name}: {cls.__name__}"
        for name, view in views
        for cls in view.authentication_classes
        if not issubclass(cls, ScopedAuthentication)
    ]
    assert unscoped == [], "authentication that does not check the key's scope"


class OpenView(APIView):
    """A view that sets its own permissions and forgets the scope."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"user": request.user.get_username()})


class ScreeningOnlyOpenView(OpenView):
    token_scopes = (TokenScope.SCREENING,)


def _call(view, *, key=None, user=None):
    request = RequestFactory().get("/x", **({"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}))
    if user is not None:
        request.user = user  # as the session middleware leaves it
    return view.as_view()(request)


def test_a_screening_key_is_refused_by_a_view_that_allows_anyone(staff):
    from screening.services.clients import screening_client_create

    _user, screening_key = screening_client_create(name="signup-web")
    refused = _call(OpenView, key=screening_key)
    assert refused.status_code == 403 and refused.data["code"] == "scope"
    assert _call(OpenView, key=api_token_create(user=staff)[1]).data == {"user": "sato"}
    assert _call(ScreeningOnlyOpenView, key=screening_key).data == {"user": "screening:signup-web"}


def test_a_desk_key_or_session_is_refused_by_a_screening_view_that_allows_anyone(staff):
    assert _call(ScreeningOnlyOpenView, key=api_token_create(user=staff)[1]).status_code == 403
    assert _call(ScreeningOnlyOpenView, user=staff).status_code == 403
    assert _call(OpenView, user=staff).data == {"user": "sato"}


def test_a_key_of_another_scope_is_not_counted_as_an_invalid_key(settings):
    from screening.services.clients import screening_client_create

    settings.ABUSEDESK_API_TOKEN_FAILURE_LIMIT = 3
    client = token_client(screening_client_create(name="signup-web")[1])
    for _ in range(5):
        answer = client.get("/api/v1/cases/")
        assert answer.status_code == 403 and answer.json()["code"] == "scope"
