import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from screening.choices import Channel
from screening.services import exchange_import
from screening.services.exchange import MAX_BUNDLE_BYTES


class Command(BaseCommand):
    help = "Verify a participant's signed exchange file and import its entries and withdrawals."

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to read ('-' for standard input)")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(MAX_BUNDLE_BYTES + 1)
            else:
                with Path(path).open("rb") as handle:
                    raw = handle.read(MAX_BUNDLE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            transfer = exchange_import(raw=raw, actor=None, channel=Channel.FILE)
        except ApplicationError as exc:
            raise CommandError(f"{path}: {exc.message}") from None
        outcome = ", ".join(f"{k} {v}" for k, v in transfer.outcome.items())
        self.stdout.write(f"imported {path} from {transfer.participant.isp_id}: {outcome}")
