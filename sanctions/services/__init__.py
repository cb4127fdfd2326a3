"""Writes of the sanctions app. Views, the API, commands and tasks all call these."""

from .execution import execution_confirm, execution_request, execution_run, sanction_emergency_execute
from .notices import hearing_answer_record, notice_prepare, notice_retry, notice_send
from .propose import sanction_propose
from .revise import revise_refusal, sanction_revise
from .transition import sanction_revision, sanction_transition, transition_refusal

__all__ = [
    "execution_confirm",
    "execution_request",
    "execution_run",
    "hearing_answer_record",
    "notice_prepare",
    "notice_retry",
    "notice_send",
    "revise_refusal",
    "sanction_emergency_execute",
    "sanction_propose",
    "sanction_revise",
    "sanction_revision",
    "sanction_transition",
    "transition_refusal",
]
