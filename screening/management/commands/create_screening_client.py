from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from screening.services.clients import screening_client_create


class Command(BaseCommand):
    help = (
        "Create the API client of the ISP's sign-up system; prints its screening-only key as the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. signup-web")

    def handle(self, *args, name, **options):
        try:
            user, key = screening_client_create(name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"created screening client {user.get_username()} (scope: screening only)")
        self.stdout.write(key)
