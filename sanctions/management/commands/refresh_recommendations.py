from django.core.management.base import BaseCommand

from sanctions.services.recommend import refresh_stale_recommendations


class Command(BaseCommand):
    help = "Evaluate the criteria for open cases whose recommendation is missing or stale."

    def handle(self, *args, **options):
        total = 0
        while True:
            done = refresh_stale_recommendations(limit=1000)
            total += done
            if done < 1000:
                break
        self.stdout.write(f"recommendations refreshed for {total} case(s)")
