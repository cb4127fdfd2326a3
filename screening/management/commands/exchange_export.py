from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from screening.choices import Channel
from screening.services import exchange_export


class Command(BaseCommand):
    help = "Write our exchange entries and withdrawals to a file signed with our Ed25519 key."

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to write ('-' for standard output)")

    def handle(self, *args, path, **options):
        try:
            data, transfer = exchange_export(actor=None, channel=Channel.FILE)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if path == "-":
            self.stdout.write(data.decode("ascii"), ending="")
            return
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        self.stdout.write(
            f"wrote {path}: {transfer.entry_count} entries, {transfer.withdrawal_count} withdrawals, "
            f"sha256 {transfer.bundle_sha256}"
        )
