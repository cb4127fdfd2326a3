import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from complaints.choices import Channel
from complaints.services.mailbox import IMPORT_BATCH, iter_mailbox, mailbox_import


class Command(BaseCommand):
    help = (
        "Import complaints from an mbox file or a Maildir folder (idempotent). The messages are "
        "stored in batches and their processing is queued for the intake workers (without a "
        "broker it runs here)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--no-ack", action="store_true", help="Send no acknowledgements (e.g. when importing old mail)"
        )
        parser.add_argument(
            "--batch-size", type=int, default=IMPORT_BATCH, help="Messages stored per transaction"
        )

    def handle(self, *args, path, no_ack, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            messages = iter_mailbox(path)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        progress = tqdm(unit="msg", disable=not sys.stderr.isatty(), file=sys.stderr)

        def failure(number: int, reason: str) -> None:
            self.stderr.write(f"message {number}: not imported: {reason}")

        try:
            counts = mailbox_import(
                messages,
                channel=Channel.MAILBOX,
                acknowledge=not no_ack,
                batch_size=batch_size,
                on_failure=failure,
                on_read=lambda number: progress.update(1),
            )
        except OSError as exc:  # the file went away or became unreadable while being read
            raise CommandError(f"{path}: {exc}") from None
        finally:
            progress.close()
        summary = (
            f"read {counts.read}, created {counts.created}, already stored {counts.duplicates}, "
            f"needing manual triage {counts.triage}"
        )
        if counts.failed:
            # Non-zero exit: the skipped messages are still in the mailbox; run again to retry them.
            raise CommandError(
                f"{summary}, {counts.failed} failed (see the lines above); run again to retry them"
            )
        self.stdout.write(summary)
