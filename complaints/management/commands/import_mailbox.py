import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from complaints.choices import Channel
from complaints.services.mailbox import ingest_mail, iter_mailbox


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
        created = duplicates = triage = 0
        for raw in tqdm(messages, total=count, unit="msg", disable=not sys.stderr.isatty(), file=sys.stderr):
            result = ingest_mail(raw, channel=Channel.MAILBOX, acknowledge=not no_ack)
            if result.created:
                created += 1
                triage += result.report.status == "manual_triage"
            else:
                duplicates += 1
        self.stdout.write(
            f"read {count}, created {created}, already stored {duplicates}, needing manual triage {triage}"
        )
