import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from complaints.choices import Channel
from complaints.services.mailbox import ingest_mail, iter_mailbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Import complaints from an mbox file or a Maildir folder (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--no-ack", action="store_true", help="Send no acknowledgements (e.g. when importing old mail)"
        )

    def handle(self, *args, path, no_ack, **options):
        try:
            count, messages = iter_mailbox(path)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        created = duplicates = triage = failed = 0
        progress = tqdm(messages, total=count, unit="msg", disable=not sys.stderr.isatty(), file=sys.stderr)
        for number, raw in enumerate(progress, start=1):
            try:
                result = ingest_mail(raw, channel=Channel.MAILBOX, acknowledge=not no_ack)
            except Exception as exc:  # one bad message is reported and skipped; the rest go on
                failed += 1
                logger.exception("import_mailbox: message %s of %s failed", number, path)
                reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
                self.stderr.write(f"message {number}: not imported: {reason}")
                continue
            if result.created:
                created += 1
                triage += result.report.status == "manual_triage"
            else:
                duplicates += 1
        summary = (
            f"read {count}, created {created}, already stored {duplicates}, needing manual triage {triage}"
        )
        if failed:
            # Non-zero exit: the skipped messages are still in the mailbox; run again to retry them.
            raise CommandError(f"{summary}, {failed} failed (see the lines above); run again to retry them")
        self.stdout.write(summary)
