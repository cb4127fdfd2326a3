from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404

from abusedesk.errors import ApplicationError, NotFound
from complaints.selectors import case_get_for_user

from ..selectors import sanction_get_for_user

desk_required = permission_required("abusedesk.work_desk", raise_exception=True)


def get_case(user, case_id: int):
    try:
        return case_get_for_user(user, case_id)
    except NotFound:
        raise Http404 from None


def get_sanction(user, pk: int):
    try:
        return sanction_get_for_user(user, pk)
    except NotFound:
        raise Http404 from None


def report_error(request, exc: ApplicationError) -> None:
    details = [f"{msg}" for msgs in exc.fields.values() for msg in msgs]
    messages.error(request, " ".join([exc.message, *details]))


def form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
