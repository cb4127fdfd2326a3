from django.core.management.base import BaseCommand, CommandError

from abusedesk.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; name the first broken entry."

    def handle(self, *args, **options):
        result = audit_verify()
        if result.first_broken is not None:
            raise CommandError(
                f"audit chain broken at entry #{result.first_broken.pk} "
                f"({result.first_broken}): {result.problem}; {result.checked} entries before it are intact"
            )
        self.stdout.write(f"audit chain intact: {result.checked} entries")
