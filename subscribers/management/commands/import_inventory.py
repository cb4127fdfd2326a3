from django.core.management.base import BaseCommand, CommandError

from subscribers.importers.common import ImportFileError
from subscribers.importers.inventory import import_inventory, inventory_files
from subscribers.importers.report import ImportReport


class Command(BaseCommand):
    help = (
        "Import the ISP's inventory from DIR: subscribers.csv (subscriber_id,name,email,kind,status), "
        "accounts.csv (account_id,subscriber_id,kind,identifier,status) and netblocks.csv "
        "(prefix,kind,assigned_to,sub_allocated_to,abuse_contact). Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, directory, **options):
        report = ImportReport(stdout=self.stdout, stderr=self.stderr)
        try:
            report.run(import_inventory(directory), unit="row")
        except ImportFileError as exc:
            report.record(command="import_inventory", paths=inventory_files(directory), failed=str(exc))
            raise CommandError(str(exc))
        report.finish()
        report.record(command="import_inventory", paths=inventory_files(directory))
