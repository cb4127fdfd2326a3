"""Every transition writes an audit entry in its transaction; the chain verifies after a whole lifecycle."""

import pytest
from django.core.management import call_command

from abusedesk.audit import audit_verify
from abusedesk.errors import PermissionDenied
from abusedesk.models import AuditEntry
from sanctions.choices import State
from sanctions.services import hearing_answer_record, sanction_transition

from . import factories

pytestmark = pytest.mark.django_db


def test_a_whole_lifecycle_leaves_a_verifiable_chain(
    sanction, staff, manager, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.walk(sanction, factories.PATHS[State.HEARING], desk=staff, decider=manager)
        hearing_answer_record(
            sanction_id=sanction.pk, text="Fixed.", received_at=None, channel="email", actor=staff
        )
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.UPHELD, actor=manager, reason="answer heard"
        )
        sanction_transition(sanction_id=sanction.pk, to_state=State.LIFTED, actor=staff, reason="period over")
    actions = list(
        AuditEntry.objects.filter(object_type="sanctions.sanction", object_id=str(sanction.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "sanction.proposed",
        "sanction.approve",
        "sanction.carry_out",
        "sanction.notify",
        "sanction.open_hearing",
        "sanction.uphold",
        "sanction.lift",
    ]
    assert AuditEntry.objects.filter(action="sanction.hearing_answer").exists()
    assert AuditEntry.objects.filter(action="execution.carry_out.confirmed").exists()
    assert audit_verify().first_broken is None
    call_command("verify_audit")


def test_a_refused_transition_leaves_no_entry(sanction, staff):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=staff, reason="my own")
    assert AuditEntry.objects.count() == before
    assert not sanction.transitions.exists()
