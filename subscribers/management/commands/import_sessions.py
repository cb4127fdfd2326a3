from django.core.management.base import BaseCommand, CommandError

from subscribers.importers.common import ImportFileError
from subscribers.importers.report import ImportReport
from subscribers.importers.sessions import FORMATS, import_sessions


class Command(BaseCommand):
    help = (
        "Import connection sessions from FILE: CSV (account_id,ip,start,stop; ISO 8601 with offsets, "
        "empty stop = still open) or a FreeRADIUS detail file. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--format", choices=FORMATS, help="default: detected from the content")

    def handle(self, *args, file, format, **options):
        report = ImportReport(stdout=self.stdout, stderr=self.stderr)
        try:
            report.run(import_sessions(file, format=format), unit="record")
        except ImportFileError as exc:
            report.record(command="import_sessions", paths=[file], failed=str(exc))
            raise CommandError(str(exc))
        report.finish()
        report.record(command="import_sessions", paths=[file])
