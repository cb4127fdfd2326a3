import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abusedesk.audit import audit_record
from abusedesk.roles import GROUP_NAMES, UserRole
from abusedesk.services import api_token_create, api_token_created_record, user_create


class Command(BaseCommand):
    help = "Create a desk user in a role; with --token print an API key as the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in UserRole])
        parser.add_argument("--password", help="Password; prompted for when omitted on a terminal")
        parser.add_argument("--email", default="")
        parser.add_argument("--token", action="store_true", help="Also create an API token and print it")

    def handle(self, *args, username, role, password, email, token, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError("no --password given and no terminal to prompt on")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("passwords do not match")
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError("password rejected: " + " ".join(exc.messages)) from None
        try:
            with transaction.atomic():
                user = user_create(username=username, role=UserRole(role), password=password, email=email)
                # Who may decide on measures is on the record, as when the admin's user pages
                # make someone a manager (abusedesk.admin.AuditedAccessAdmin).
                audit_record(
                    action="user.created",
                    obj=user,
                    reason="manage.py create_user",
                    data={
                        "changed": {
                            "username": {"before": None, "after": user.username},
                            "groups": {"added": [GROUP_NAMES[UserRole(role)]]},
                        }
                    },
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"created {role} user {user.username}")
        if token:
            with transaction.atomic():
                created, key = api_token_create(user=user, name="create_user")
                api_token_created_record(token=created, how="manage.py create_user --token")
            self.stdout.write(key)
