import pytest
from django.contrib.auth.models import Group

from abusedesk.roles import UserRole, sync_roles, user_role

pytestmark = pytest.mark.django_db


def test_migrate_creates_both_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"abuse_staff", "manager"}


def test_sync_roles_is_idempotent():
    sync_roles()
    sync_roles()
    assert Group.objects.filter(name="manager").count() == 1


def test_staff_works_the_desk_but_cannot_review(staff):
    assert staff.has_perm("abusedesk.work_desk")
    assert staff.has_perm("abusedesk.view_content")
    assert not staff.has_perm("abusedesk.review_measures")
    assert not staff.has_perm("abusedesk.edit_policies")
    assert user_role(staff) == UserRole.STAFF


def test_manager_may_review_and_edit_policies(manager):
    assert manager.has_perm("abusedesk.work_desk")
    assert manager.has_perm("abusedesk.review_measures")
    assert manager.has_perm("abusedesk.edit_policies")
    assert user_role(manager) == UserRole.MANAGER


def test_staff_reads_but_does_not_edit_the_inventory(staff, manager):
    assert staff.has_perm("subscribers.view_addressblock")
    assert not staff.has_perm("subscribers.change_addressblock")
    assert manager.has_perm("subscribers.change_addressblock")
