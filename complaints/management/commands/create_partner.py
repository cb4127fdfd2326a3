from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from complaints.services.partners import partner_create


class Command(BaseCommand):
    help = "Register a partner ISP; prints its API token as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--email", default="", help="The partner's abuse contact")
        parser.add_argument("--rate", default="120/min", help="Request limit, e.g. 120/min (default)")

    def handle(self, *args, name, email, rate, **options):
        try:
            partner, key = partner_create(name=name, contact_email=email, rate_limit=rate)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"created partner {partner.name} (rate {partner.rate_limit})")
        self.stdout.write(key)
