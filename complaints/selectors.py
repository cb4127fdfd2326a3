"""Reads of the complaints app, and the access functions: the only way to fetch
what a user asked for. Outsiders get 404; a partner sees its own reports only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from abusedesk.errors import NotFound, PermissionDenied
from complaints.models import Case, Report


def is_desk_user(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("abusedesk.work_desk"))


def partner_of(user):
    return getattr(user, "partner", None) if user and user.is_authenticated else None


def report_list_for_user(user) -> QuerySet[Report]:
    reports = Report.objects.defer("raw").order_by("-received_at", "-id")
    if is_desk_user(user):
        return reports.select_related("case", "partner")
    partner = partner_of(user)
    if partner is not None:
        return reports.filter(partner=partner)
    raise PermissionDenied(_("only desk staff and partners may read reports"))


def report_get_for_user(user, pk: int) -> Report:
    report = report_list_for_user(user).filter(pk=pk).first()
    if report is None:
        raise NotFound(_("no report %(pk)s") % {"pk": pk})
    return report


def case_get_for_user(user, pk: int) -> Case:
    if not is_desk_user(user):
        raise NotFound(_("no case %(pk)s") % {"pk": pk})
    case = Case.objects.select_related("assignee").filter(pk=pk).first()
    if case is None:
        raise NotFound(_("no case %(pk)s") % {"pk": pk})
    return case
