from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from screening.models import ExchangeParticipant
from screening.services import participant_register, participant_set_active


class Command(BaseCommand):
    help = "Register another ISP of the termination exchange (its id and Ed25519 public key), or list them."

    def add_arguments(self, parser):
        parser.add_argument("isp_id", nargs="?", help="Its id in the exchange, e.g. jp.other-isp")
        parser.add_argument("--name", default="", help="Its name, for people")
        parser.add_argument("--public-key", default="", help="Its Ed25519 public key, base64")
        parser.add_argument(
            "--user",
            default="",
            help="Username of its API client (e.g. its partner user) for the exchange API",
        )
        parser.add_argument("--deactivate", action="store_true", help="Stop taking its bundles and API calls")
        parser.add_argument("--activate", action="store_true", help="Take its bundles and API calls again")
        parser.add_argument("--reason", default="", help="Why (required with --deactivate/--activate)")

    def handle(self, *args, isp_id, name, public_key, user, deactivate, activate, reason, **options):
        if not isp_id:
            for p in ExchangeParticipant.objects.select_related("user"):
                api = p.user.get_username() if p.user else "-"
                self.stdout.write(f"{p.isp_id}\t{p.name}\tapi:{api}\t{'active' if p.active else 'inactive'}")
            return
        if deactivate or activate:
            if deactivate and activate:
                raise CommandError("choose one of --deactivate and --activate")
            try:
                participant = participant_set_active(isp_id=isp_id, active=activate, reason=reason)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"{participant.isp_id} {'active' if participant.active else 'inactive'}")
            return
        if not public_key:
            raise CommandError("--public-key is required to register a participant")
        client = None
        if user:
            client = get_user_model().objects.filter(username=user).first()
            if client is None:
                raise CommandError(f"no user {user!r}")
        try:
            participant = participant_register(isp_id=isp_id, name=name, verify_key=public_key, user=client)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"registered {participant.isp_id} ({participant.name})")
