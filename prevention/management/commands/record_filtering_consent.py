from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from abusedesk.errors import ApplicationError
from prevention.choices import ConsentChannel, FilteringAction
from prevention.services.filtering import filtering_consent_record
from subscribers.models import Subscriber


class Command(BaseCommand):
    help = (
        "Record a customer's consent to opt-in filtering (C-16) or its withdrawal, as given to a "
        "desk user (e.g. consents collected on paper), and tell the provisioning side."
    )

    def add_arguments(self, parser):
        parser.add_argument("subscriber", help="the ISP's customer id")
        parser.add_argument("action", choices=FilteringAction.values)
        parser.add_argument(
            "--given-at", required=True, help="ISO 8601 with offset, e.g. 2026-11-21T10:00+09:00"
        )
        parser.add_argument("--channel", required=True, choices=ConsentChannel.values)
        parser.add_argument("--recorded-by", required=True, help="username of the desk user who took it")
        parser.add_argument("--note", default="")

    def handle(self, *args, subscriber, action, given_at, channel, recorded_by, note, **options):
        try:
            when = datetime.fromisoformat(given_at)
        except ValueError:
            raise CommandError(
                f"--given-at {given_at!r} is not ISO 8601, e.g. 2026-11-21T10:00+09:00"
            ) from None
        if when.tzinfo is None:
            raise CommandError(f"--given-at {given_at!r} has no UTC offset")
        holder = Subscriber.objects.filter(subscriber_id=subscriber).first()
        if holder is None:
            raise CommandError(f"no subscriber {subscriber}")
        user = get_user_model().objects.filter(username=recorded_by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {recorded_by}")
        try:
            consent = filtering_consent_record(
                subscriber=holder, action=action, given_at=when, channel=channel, recorder=user, note=note
            )
        except ApplicationError as exc:
            detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
            raise CommandError(f"{exc.message} {detail}".strip()) from None
        status = consent.instruction.status
        self.stdout.write(f"recorded {consent.action} {consent.pk} for {subscriber}; instruction {status}")
