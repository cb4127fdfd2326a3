from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
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


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke a token (once); the audit trail says who revoked whose access."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            obj=token,
            data={"user": token.user.get_username(), "name": token.name, "prefix": token.prefix},
        )
    return token


def api_token_created_record(*, token: ApiToken, how: str) -> None:
    """The audit entry of a token given out by a command (create_user --token,
    create_partner): who got API access, and by which door. Not written by
    api_token_create itself, which tests and the demo call for every persona."""
    audit_record(
        action="api_token.created",
        obj=token,
        reason=how,
        data={
            "user": token.user.get_username(),
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
        },
    )


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


__all__ = ["GROUP_NAMES", "api_token_create", "api_token_created_record", "api_token_revoke", "user_create"]
