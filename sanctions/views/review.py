"""The review queue, a sanction's page (the proposal, then the facts once, then the
decision) and its POST actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.errors import ApplicationError
from abusedesk.pagination import capped_page
from abusedesk.replica import read_only_page
from abusedesk.web import desk_required, form_errors, report_error

from ..dossier import dossier_open
from ..forms import ConfirmForm, EmergencyForm, HearingAnswerForm, TransitionForm
from ..selectors import overdue_emergency, review_queue, subscriber_history
from ..services import (
    execution_confirm,
    hearing_answer_record,
    notice_retry,
    revise_refusal,
    sanction_emergency_execute,
    sanction_revision,
    sanction_transition,
    transition_refusal,
)
from ..transitions import DECISION, EXECUTION, edges_from
from .common import get_sanction

# Proposals per page: a manager works from the top; the rest are a page away.
REVIEW_PAGE_SIZE = 50


@read_only_page
@login_required
@desk_required
def review_queue_view(request):
    page = capped_page(review_queue(), REVIEW_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "sanctions/review_queue.html",
        {"sanctions": page.object_list, "page": page, "overdue": overdue_emergency().count()},
    )


def _actions(sanction, user) -> tuple[list, list[str]]:
    """The edges this user may take now (the service's own rule decides, see
    transition_refusal), and why the others are withheld. EXECUTION edges are offered
    as 'confirm'."""
    edges = edges_from(
        sanction.state, emergency=sanction.emergency, reviewed=sanction.reviewed_at is not None
    )
    allowed, withheld = [], []
    for edge in edges:
        if edge.rule == EXECUTION:
            continue
        refusal = transition_refusal(edge, sanction, user)
        if refusal is None:
            allowed.append(edge)
        elif refusal.message not in withheld and not (
            edge.rule == DECISION and user.pk == sanction.proposed_by_id
        ):
            withheld.append(refusal.message)  # the own proposal has its own sentence on the page
    return allowed, withheld


def _detail(request, sanction, *, status: int = 200, **forms):
    """The measure's page. After a refused POST it is shown again (never a redirect) with
    the form as it was sent, so the person sees why and what they typed is still there."""
    dossier = dossier_open(case=sanction.case, user=request.user)
    revision = sanction_revision(sanction)
    actions, withheld = _actions(sanction, request.user)
    transition_form = forms.pop("transition_form", None)
    # A decision comment for an edge that is no longer open (someone decided meanwhile)
    # has no form left to go back into: it is shown apart, to be copied.
    unsent_comment = ""
    if transition_form is not None and transition_form.is_bound:
        posted = transition_form.data.get("to_state", "")
        if posted not in {edge.to_state for edge in actions}:
            unsent_comment = (transition_form.data.get("reason") or "").strip()
    context = {
        "sanction": sanction,
        "dossier": dossier,
        "relied_on": dossier.relied_on.get(sanction.pk, []),
        "actions": actions,
        "withheld": withheld,
        "own_proposal": request.user.pk == sanction.proposed_by_id,
        "may_revise": revise_refusal(sanction, request.user) is None,
        "executions": sanction.executions.all(),
        "history": subscriber_history(sanction.case).exclude(pk=sanction.pk)[:50],
        "transition_form": transition_form,
        "revision": revision,
        "unsent_comment": unsent_comment,
        "confirm_form": ConfirmForm(),
        "blank_confirm_form": ConfirmForm(),
        "confirm_for": None,
        "emergency_form": EmergencyForm(),
        "answer_form": HearingAnswerForm(),
        **forms,
    }
    return render(request, "sanctions/sanction_detail.html", context, status=status)


def _refused(request, pk: int, exc: ApplicationError, **forms):
    """A service refused the POST: the page again, with the reason and the bound form."""
    report_error(request, exc)
    return _detail(request, get_sanction(request.user, pk), status=exc.status_code, **forms)


def _invalid(request, sanction, form_name: str, form, **extra):
    messages.error(request, form_errors(form))
    return _detail(request, sanction, status=400, **{form_name: form}, **extra)


def _seen_revision(request) -> int | None:
    """The measure's revision the page showed (the decision forms carry it, see
    services.transition.sanction_revision): a decision or an emergency step on a measure
    revised since is refused, never taken on a text the person did not read. It is not
    a field of the bound forms, which show the refused comment again: the page shown
    after a refusal carries the revision it shows."""
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@login_required
@desk_required
def sanction_detail_view(request, pk: int):
    return _detail(request, get_sanction(request.user, pk))


@login_required
@desk_required
@require_POST
def sanction_transition_view(request, pk: int):
    sanction = get_sanction(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, sanction, "transition_form", form)
    try:
        sanction = sanction_transition(
            sanction_id=sanction.pk,
            to_state=form.cleaned_data["to_state"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            seen_revision=_seen_revision(request),
        )
    except ApplicationError as exc:
        return _refused(request, sanction.pk, exc, transition_form=form)
    messages.success(request, _("The measure is now %(state)s.") % {"state": sanction.get_state_display()})
    return redirect("sanction-detail", pk=sanction.pk)


@login_required
@desk_required
@require_POST
def sanction_emergency_view(request, pk: int):
    sanction = get_sanction(request.user, pk)
    form = EmergencyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, sanction, "emergency_form", form)
    try:
        sanction_emergency_execute(
            sanction_id=sanction.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            seen_revision=_seen_revision(request),
        )
    except ApplicationError as exc:
        return _refused(request, sanction.pk, exc, emergency_form=form)
    messages.success(request, _("The instruction was sent for execution."))
    return redirect("sanction-detail", pk=sanction.pk)


@login_required
@desk_required
@require_POST
def execution_confirm_view(request, pk: int, execution_id: int):
    sanction = get_sanction(request.user, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    execution = sanction.executions.filter(pk=execution_id).first()
    if execution is None:
        messages.error(request, _("No such instruction for this measure."))
        return redirect("sanction-detail", pk=sanction.pk)
    try:
        execution_confirm(
            execution_id=execution.pk, actor=request.user, note=form.cleaned_data.get("note", "")
        )
    except ApplicationError as exc:
        return _refused(request, sanction.pk, exc, confirm_form=form, confirm_for=execution.pk)
    messages.success(request, _("Confirmed as carried out."))
    return redirect("sanction-detail", pk=sanction.pk)


@login_required
@desk_required
@require_POST
def hearing_answer_view(request, pk: int):
    sanction = get_sanction(request.user, pk)
    form = HearingAnswerForm(request.POST)
    if not form.is_valid():
        return _invalid(request, sanction, "answer_form", form)
    try:
        hearing_answer_record(sanction_id=sanction.pk, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        return _refused(request, sanction.pk, exc, answer_form=form)
    messages.success(request, _("The customer's answer was recorded."))
    return redirect("sanction-detail", pk=sanction.pk)


@login_required
@desk_required
@require_POST
def notice_retry_view(request, pk: int, notice_pk: int):
    """Send a notice that failed again: the same stored text, never a second notice."""
    sanction = get_sanction(request.user, pk)
    notice = sanction.notices.filter(pk=notice_pk).first()
    if notice is None:
        raise Http404
    try:
        notice_retry(notice=notice, actor=request.user)
    except ApplicationError as exc:
        report_error(request, exc)
    else:
        notice.refresh_from_db()
        if notice.sent_at:
            messages.success(request, _("Notice to %(to)s sent.") % {"to": notice.to})
        else:
            messages.info(request, _("Notice to %(to)s queued again.") % {"to": notice.to})
    return redirect("sanction-detail", pk=sanction.pk)
