from django.core.management.base import BaseCommand

from screening.services import exchange_expire


class Command(BaseCommand):
    help = "Mark received exchange entries past their expiry and delete their hashes."

    def handle(self, *args, **options):
        self.stdout.write(f"expired {exchange_expire()} entries")
