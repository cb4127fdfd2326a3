"""The desk's roles. Partners are API clients (see complaints.Partner), not roles.

One place lists what each group may do; `sync_roles()` makes the database agree
and is safe to run any number of times.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models


class UserRole(models.TextChoices):
    STAFF = "staff", "abuse_staff"
    MANAGER = "manager", "manager"


GROUP_NAMES = {UserRole.STAFF: "abuse_staff", UserRole.MANAGER: "manager"}

# app_label.codename; codenames that do not exist yet (apps still to come) are skipped.
# Model permissions only open admin pages, and the admin is for superusers and the
# inventory: cases, reports and measures are worked on through the desk's services,
# and traffic data (sessions, mail logs) has no admin page (see subscribers/admin.py).
STAFF_PERMISSIONS = [
    "abusedesk.work_desk",
    "abusedesk.view_content",
    "abusedesk.view_traffic_data",
    "subscribers.view_subscriber",
    "subscribers.view_account",
    "subscribers.view_addressblock",
]
MANAGER_PERMISSIONS = STAFF_PERMISSIONS + [
    "abusedesk.review_measures",
    "abusedesk.edit_policies",
    "abusedesk.view_dashboards",
    "subscribers.add_subscriber",
    "subscribers.change_subscriber",
    "subscribers.add_account",
    "subscribers.change_account",
    "subscribers.add_addressblock",
    "subscribers.change_addressblock",
    "subscribers.delete_addressblock",
]
ROLE_PERMISSIONS = {UserRole.STAFF: STAFF_PERMISSIONS, UserRole.MANAGER: MANAGER_PERMISSIONS}


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    perms = Permission.objects.select_related("content_type")
    return [p for p in perms if (p.content_type.app_label, p.codename) in wanted]


def sync_roles() -> dict[UserRole, Group]:
    groups = {}
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        group.permissions.set(_permissions(names))
        groups[role] = group
    return groups


def sync_roles_after_migrate(**kwargs) -> None:
    sync_roles()


def user_role(user) -> UserRole | None:
    """The highest role a user holds, or None (partners, anonymous)."""
    if not user.is_authenticated:
        return None
    names = {g.name for g in user.groups.all()}
    if user.is_superuser or GROUP_NAMES[UserRole.MANAGER] in names:
        return UserRole.MANAGER
    if GROUP_NAMES[UserRole.STAFF] in names:
        return UserRole.STAFF
    return None
