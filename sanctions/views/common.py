from __future__ import annotations

from abusedesk.web import get_or_404
from complaints.selectors import case_get_for_user

from ..selectors import sanction_get_for_user


def get_case(user, case_id: int):
    return get_or_404(case_get_for_user, user, case_id)


def get_sanction(user, pk: int):
    return get_or_404(sanction_get_for_user, user, pk)
