"""The desk's page for a subscriber's opt-in filtering: state, history, record, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.errors import ApplicationError
from abusedesk.web import desk_required, form_error_lines, report_error
from complaints.models import Case
from subscribers.models import Subscriber

from .forms import FilteringConsentForm, InstructionConfirmForm
from .models import FilteringInstruction
from .selectors import filtering_history, filtering_latest
from .services.filtering import filtering_consent_record, instruction_confirm


@login_required
@desk_required
def filtering_find(request):
    """From the case page's customer-id box to that customer's filtering page."""
    subscriber_id = (request.GET.get("subscriber") or "").strip()
    subscriber = Subscriber.objects.filter(subscriber_id=subscriber_id).first() if subscriber_id else None
    case = request.GET.get("case") or ""
    if subscriber is None:
        messages.error(request, _("No customer with the id %(id)s.") % {"id": subscriber_id or "—"})
        return redirect("case-detail", pk=case) if case.isdigit() else redirect("home")
    target = reverse("filtering-detail", args=[subscriber.subscriber_id])
    return redirect(f"{target}?case={case}" if case.isdigit() else target)


@login_required
@desk_required
def filtering_detail(request, subscriber_id):
    subscriber = get_object_or_404(Subscriber, subscriber_id=subscriber_id)
    form = FilteringConsentForm(initial={"case": request.GET.get("case") or None})
    status = 200
    if request.method == "POST":
        form = FilteringConsentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            case = Case.objects.filter(pk=data["case"]).first() if data.get("case") else None
            try:
                filtering_consent_record(
                    subscriber=subscriber,
                    action=data["action"],
                    given_at=data["given_at"],
                    channel=data["channel"],
                    note=data["note"],
                    case=case,
                    recorder=request.user,
                )
            except ApplicationError as exc:
                report_error(request, exc)
                status = 400
            else:
                messages.success(request, _("Recorded; the provisioning side is being told."))
                return redirect("filtering-detail", subscriber_id=subscriber.subscriber_id)
        else:
            messages.error(request, " ".join(form_error_lines(form)))
            status = 400
    context = {
        "subscriber": subscriber,
        "latest": filtering_latest(subscriber),
        "history": filtering_history(subscriber)[:100],
        "form": form,
        "confirm_form": InstructionConfirmForm(),
    }
    return render(request, "prevention/filtering.html", context, status=status)


@login_required
@desk_required
@require_POST
def filtering_instruction_confirm(request, subscriber_id, instruction_id):
    subscriber = get_object_or_404(Subscriber, subscriber_id=subscriber_id)
    form = InstructionConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    get_object_or_404(FilteringInstruction, pk=instruction_id, consent__subscriber=subscriber)
    try:
        instruction_confirm(instruction_id=instruction_id, actor=request.user, note=note)
    except ApplicationError as exc:
        report_error(request, exc)
    return redirect("filtering-detail", subscriber_id=subscriber.subscriber_id)
