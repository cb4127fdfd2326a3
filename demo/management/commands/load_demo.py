import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from abusedesk.roles import UserRole
from abusedesk.services import user_create

DEMO_USERS = [
    ("demo-staff", "demo-staff-pass", UserRole.STAFF),
    ("demo-manager", "demo-manager-pass", UserRole.MANAGER),
]


class Command(BaseCommand):
    help = "Load a small demo ISP with complaints, and demo users. Does nothing the second time."

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        from demo.loader import load_demo
        from subscribers.models import Subscriber

        User = get_user_model()
        for username, password, role in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(username=username, role=role, password=password)
        if Subscriber.objects.filter(subscriber_id="S-00001").exists():
            self.stdout.write("demo data already loaded")
        else:
            # Documentation addresses and example domains: DNS evidence would only
            # record timeouts and NXDOMAINs, so the demo skips it.
            with tempfile.TemporaryDirectory() as folder, override_settings(ABUSEDESK_COLLECT_EVIDENCE=False):
                quiet = io.StringIO()
                result = load_demo(Path(folder), stdout=quiet)
            self.stdout.write(f"demo data loaded: {result['complaints']} complaints")
            call_command("refresh_recommendations", stdout=quiet)
            call_command("load_demo_measures", stdout=quiet)
        for username, password, role in DEMO_USERS:
            self.stdout.write(f"  log in as {username} / {password} ({role.label})")
