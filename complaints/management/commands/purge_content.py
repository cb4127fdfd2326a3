from django.conf import settings
from django.core.management.base import BaseCommand

from complaints.services.retention import content_purge_expired, purge_due_cases


class Command(BaseCommand):
    help = (
        "Purge the raw content of complaints whose case closed more than "
        "ABUSEDESK_CONTENT_RETENTION_DAYS ago (POLICY.md); digests, facts and decisions stay. "
        "Beat runs the same every night; running it twice does nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what is due")

    def handle(self, *args, dry_run=False, **options):
        days = settings.ABUSEDESK_CONTENT_RETENTION_DAYS
        if dry_run:
            due = purge_due_cases().count()
            self.stdout.write(f"{due} closed case(s) past {days} days still hold raw content")
            return
        total = {"cases": 0, "reports": 0}
        while True:
            done = content_purge_expired()
            total = {k: total[k] + done[k] for k in total}
            if not done["cases"]:
                break
        self.stdout.write(
            f"purged the raw content of {total['reports']} report(s) in {total['cases']} case(s)"
        )
