from .dossier import dossier_pdf_view, dossier_view
from .propose import sanction_propose_view, sanction_revise_view
from .review import (
    execution_confirm_view,
    hearing_answer_view,
    notice_retry_view,
    review_queue_view,
    sanction_detail_view,
    sanction_emergency_view,
    sanction_transition_view,
)

__all__ = [
    "dossier_pdf_view",
    "dossier_view",
    "execution_confirm_view",
    "hearing_answer_view",
    "notice_retry_view",
    "review_queue_view",
    "sanction_detail_view",
    "sanction_emergency_view",
    "sanction_propose_view",
    "sanction_revise_view",
    "sanction_transition_view",
]
