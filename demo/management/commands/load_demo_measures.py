from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from abusedesk.errors import ApplicationError
from complaints.models import Case
from sanctions.models import Sanction
from sanctions.services import sanction_propose
from subscribers.models import Account


class Command(BaseCommand):
    help = "Demo: a few proposed measures waiting in the managers' review queue. Does nothing twice."

    def handle(self, *args, **options):
        if Sanction.objects.exists():
            self.stdout.write("demo measures already there")
            return
        staff = get_user_model().objects.filter(username="demo-staff").first()
        if staff is None:
            self.stdout.write("no demo-staff user: run load_demo first")
            return
        made = 0
        for case in Case.objects.exclude(accounts=[]).exclude(recommended_level="").order_by("pk")[:3]:
            account = Account.objects.filter(account_id=case.accounts[0]).first()
            level = case.recommended_level if case.recommended_level not in ("", "L0") else "L2"
            clauses = (case.recommendation or {}).get("clauses") or ["C-03"]
            try:
                sanction_propose(
                    case=case,
                    account=account,
                    level=level if level <= "L3" else "L2",
                    justification=f"{case.reporter_count} complaints about {case.subject}; the attribution "
                    "and our logs tie them to this account.",
                    clauses=clauses,
                    legal_basis="contract",
                    evidence_relied_on=[
                        f"report:{pk}" for pk in case.reports.values_list("pk", flat=True)[:5]
                    ],
                    culpability="undetermined",
                    proposer=staff,
                )
                made += 1
            except ApplicationError as exc:
                self.stderr.write(f"case {case.pk}: {exc.message} {exc.fields}")
        self.stdout.write(f"demo measures proposed: {made}")
