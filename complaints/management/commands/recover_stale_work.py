from django.core.management.base import BaseCommand, CommandError

from complaints.services.recovery import stale_work_find, stale_work_recover


class Command(BaseCommand):
    help = (
        "Hand work left behind to its task again: reports never processed or attributed, "
        "evidence never collected, acknowledgements, forwards, replies and notices never sent. "
        "Beat does the same every minute; running it twice does no harm (every task claims its work)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=30, metavar="SECONDS", help="leave younger work to its task"
        )
        parser.add_argument("--batch", type=int, default=500, help="at most this many of each kind per round")
        parser.add_argument("--dry-run", action="store_true", help="only count what is left behind")

    def handle(self, *args, older_than=30, batch=500, dry_run=False, **options):
        if older_than < 0 or batch < 1:
            raise CommandError("--older-than must be 0 or more and --batch 1 or more")
        if dry_run:
            found = stale_work_find(stale_seconds=older_than, batch=batch)
            self.stdout.write(", ".join(f"{kind}: {len(ids)}" for kind, ids in found.items()))
            return
        counts = stale_work_recover(stale_seconds=older_than, batch=batch)
        self.stdout.write(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
