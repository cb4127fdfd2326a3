from django.core.management.base import BaseCommand, CommandError

from subscribers.importers.common import ImportFileError
from subscribers.importers.inventory import import_inventory, inventory_files
from subscribers.importers.report import ImportReport


class Command(BaseCommand):
    help = (
        "Import the ISP's inventory from DIR: subscribers.csv (subscriber_id,name,email,kind,status), "
        "accounts.csv (account_id,subscriber_id,kind,identifier,status) and netblocks.csv "
        "(prefix,kind,assigned_to,sub_allocated_to,abuse_contact). Optional last columns: "
        "accounts.csv subscriber_since, netblocks.csv holder_since (ISO 8601 with an offset: since when "
        "the account is its subscriber's, the block its account's or holder's; blank, a change of holder "
        "is dated by the import) and a shared block's map_rule_ipv6,map_ea_bits,map_psid_offset. "
        "Safe to re-run. "
        "The files are UTF-8 unless --encoding says otherwise (cp932 for a Japanese spreadsheet's export)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--encoding", help="the files' encoding (default UTF-8, with or without BOM)")

    def handle(self, *args, directory, encoding=None, **options):
        report = ImportReport(stdout=self.stdout, stderr=self.stderr)
        try:
            report.run(import_inventory(directory, encoding=encoding), unit="row")
        except ImportFileError as exc:
            report.record(command="import_inventory", paths=inventory_files(directory), failed=str(exc))
            raise CommandError(str(exc))
        report.finish()
        report.record(command="import_inventory", paths=inventory_files(directory))
