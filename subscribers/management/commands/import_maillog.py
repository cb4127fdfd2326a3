from django.core.management.base import BaseCommand, CommandError

from subscribers.importers.common import ImportFileError
from subscribers.importers.maillog import import_maillog
from subscribers.importers.report import ImportReport
from subscribers.signals import maillog_imported


class Command(BaseCommand):
    help = (
        "Import Postfix authenticated submissions and Dovecot POP/IMAP logins from a syslog FILE. "
        "Lines with traditional timestamps (Nov 20 10:16:38) need --year and --tz. Safe to re-run. "
        "Afterwards the volume limits of the criteria are checked for the hours the file touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--year", type=int, help="year of the first traditional timestamp")
        parser.add_argument("--tz", help="IANA zone of traditional timestamps, e.g. Asia/Tokyo")

    def handle(self, *args, file, year, tz, **options):
        report = ImportReport(stdout=self.stdout, stderr=self.stderr)
        touched: set = set()
        try:
            report.run(import_maillog(file, year=year, tz=tz, touched=touched))
        except ImportFileError as exc:
            report.record(command="import_maillog", paths=[file], failed=str(exc))
            raise CommandError(str(exc))
        report.finish()
        report.record(command="import_maillog", paths=[file])
        # The volume detection (prevention) looks at the hours this file wrote to.
        for _receiver, line in maillog_imported.send(sender=self.__class__, hours=sorted(touched)):
            if line:
                self.stdout.write(str(line))
