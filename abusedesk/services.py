from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .choices import TokenScope
from .models import ApiToken, token_digest
from .roles import GROUP_NAMES, UserRole, sync_roles

User = get_user_model()


def api_token_create(*, user, name: str = "", scope: str = TokenScope.API) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plain key, which is never stored."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], digest=token_digest(key), scope=TokenScope(scope)
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def user_create(*, username: str, role: UserRole, password: str | None, email: str = "") -> User:
    groups = sync_roles()
    # is_staff opens the admin; what a user sees there follows the group permissions.
    user = User(username=username, email=email, is_staff=True)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(groups[role])
    return user


__all__ = ["GROUP_NAMES", "api_token_create", "api_token_revoke", "user_create"]
