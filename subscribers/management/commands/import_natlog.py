from django.core.management.base import BaseCommand, CommandError

from subscribers.importers.common import ImportFileError
from subscribers.importers.natlog import FORMATS, import_natlog
from subscribers.importers.report import ImportReport


class Command(BaseCommand):
    help = (
        "Import carrier-grade NAT port-block allocations from FILE: CSV "
        "(address,port_start,port_end,start,stop,account_id; ISO 8601 with offsets, empty stop = "
        "still allocated) or NAT syslog (RT_SRC_NAT_PBA_ALLOC/RELEASE/INTERIM lines with RFC 3339 "
        "times; the account is the session log's holder of the subscriber address). Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--format", choices=FORMATS, help="default: detected from the content")

    def handle(self, *args, file, format, **options):
        report = ImportReport(stdout=self.stdout, stderr=self.stderr)
        try:
            report.run(import_natlog(file, format=format), unit="line")
        except ImportFileError as exc:
            report.record(command="import_natlog", paths=[file], failed=str(exc))
            raise CommandError(str(exc))
        report.finish()
        report.record(command="import_natlog", paths=[file])
