from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models.fields.json import KeyTransform
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from abusedesk.errors import ApplicationError
from abusedesk.pagination import capped_page
from abusedesk.replica import read_only_page
from abusedesk.roles import desk_users
from abusedesk.web import desk_required, form_errors, get_or_404
from complaints.choices import Channel
from complaints.filters import CaseFilter, sla_hours
from complaints.forms import (
    BulkForm,
    CaseActionForm,
    ConfirmationForm,
    ContentForm,
    ForwardForm,
    MessageForm,
    PhoneForm,
    ReplyForm,
)
from complaints.models import Forward, Reply, SavedFilter
from complaints.sanitize import CONTENT_CSP, FRAME_SANDBOX
from complaints.selectors import (
    case_facts_shown,
    case_get_for_user,
    case_queue_for_user,
    case_timeline,
    report_get_for_user,
    report_list_for_user,
)
from complaints.services import report_ingest
from complaints.services.confirmations import case_confirm
from complaints.services.content import report_content, traffic_viewed
from complaints.services.forwarding import (
    case_forward,
    case_forwardable,
    case_is_ours,
    forward_contact,
    forward_needs_consent,
    forward_retry,
)
from complaints.services.reopen import case_reopen
from complaints.services.replies import case_reply, case_reporters, reply_retry
from complaints.services.triage import case_assign, case_close, case_forward_and_close, report_close


def _get_report(user, pk):
    return get_or_404(report_get_for_user, user, pk)


@read_only_page
@login_required
@desk_required
def report_list(request):
    from complaints.choices import ReportStatus

    reports = report_list_for_user(request.user).select_related("case")
    status = request.GET.get("status", "")
    if status in ReportStatus.values:  # an unknown value lists them all, as the queue's filters do
        reports = reports.filter(status=status)
    else:
        status = ""
    page = capped_page(reports, 50, request.GET.get("page"))
    return render(
        request,
        "complaints/report_list.html",
        {"page": page, "status": status, "statuses": ReportStatus.choices},
    )


@login_required
@desk_required
@require_POST
def report_close_view(request, pk):
    """Close a report in manual triage with the reason (nothing to act on)."""
    report = _get_report(request.user, pk)
    reason = request.POST.get("reason", "")
    try:
        report_close(report_id=pk, actor=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _report_page(request, report, status=exc.status_code, close_reason=reason)
    messages.success(request, _("The report is closed."))
    return redirect("report-detail", pk=pk)


@login_required
@desk_required
def report_new(request):
    message_form, phone_form = MessageForm(prefix="m"), PhoneForm(prefix="p")
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "phone":
            phone_form = PhoneForm(request.POST, prefix="p")
            if phone_form.is_valid():
                form = dict(phone_form.cleaned_data)
                raw = json.dumps(
                    {**form, "occurred_at": form["occurred_at"].isoformat()}, ensure_ascii=False
                ).encode()
                return _ingested(request, raw, "application/json", form)
        else:
            message_form = MessageForm(request.POST, request.FILES, prefix="m")
            if message_form.is_valid():
                return _ingested(request, message_form.cleaned_data["raw"], "message/rfc822", None)
    return render(
        request, "complaints/report_new.html", {"message_form": message_form, "phone_form": phone_form}
    )


def _ingested(request, raw: bytes, content_type: str, form: dict | None):
    result = report_ingest(
        raw=raw,
        channel=Channel.WEB,
        content_type=content_type,
        reporter_key=f"user:{request.user.get_username()}",
        submitted_by=request.user,
        form=form,
    )
    if result.created:
        messages.success(request, _("Report %(ref)s stored.") % {"ref": result.report.reference})
    else:
        messages.info(
            request, _("This report was already filed as %(ref)s.") % {"ref": result.report.reference}
        )
    return redirect("report-detail", pk=result.report.pk)


@login_required
@desk_required
def report_detail(request, pk):
    return _report_page(request, _get_report(request.user, pk))


def _report_page(request, report, *, status: int = 200, **forms):
    """The report page; after a refused POST, shown again with what was typed."""
    context = {
        "report": report,
        "hops": report.hops.all(),
        "content_form": ContentForm(),
        "close_reason": "",
        "facts_json": json.dumps(report.facts, indent=2, ensure_ascii=False),
        **forms,
    }
    if report.attribution:
        traffic_viewed(user=request.user, report=report, via="report page")
    return render(request, "complaints/report_detail.html", context, status=status)


@login_required
@desk_required
@permission_required("abusedesk.view_content", raise_exception=True)
@require_POST
def report_show_content(request, pk):
    report = _get_report(request.user, pk)
    form = ContentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need to read the content (at least 5 characters)."))
        return _report_page(request, report, status=400, content_form=form)
    content = report_content(report=report, user=request.user, purpose=form.cleaned_data["purpose"])
    response = render(
        request,
        "complaints/report_content.html",
        {"report": report, "content": content, "sandbox": FRAME_SANDBOX},
    )
    response["Content-Security-Policy"] = CONTENT_CSP
    response["Cache-Control"] = "no-store"  # content (S1) must not stay in caches
    response["Referrer-Policy"] = "no-referrer"
    return response


@read_only_page
@login_required
@desk_required
def case_list(request):
    """The triage queue: filters in the query string, so a view can be shared as a URL."""
    data = request.GET.copy()
    data.setdefault("status", "open")
    queue = CaseFilter(data, queryset=case_queue_for_user(request.user), request=request)
    page = capped_page(queue.qs, _page_size(request), request.GET.get("page"))
    context = {
        "filter": queue,
        "page": page,
        "saved": SavedFilter.objects.filter(user=request.user),
        "query": request.GET.urlencode(),
        "staff": desk_users(),
        "sla_deadline": timezone.now() - timedelta(hours=sla_hours()),
        "now": timezone.now(),
    }
    return render(request, "complaints/case_list.html", context)


def _page_size(request) -> int:
    size = request.GET.get("size", "50")
    return min(int(size), 200) if size.isdigit() and int(size) > 0 else 50


@login_required
@desk_required
@require_POST
def case_bulk(request):
    form = BulkForm(request.POST)
    back = request.POST.get("next") or reverse("case-list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("case-list")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    ids, action = form.cleaned_data["cases"], form.cleaned_data["action"]
    try:
        if action == "assign_me":
            case_assign(case_ids=ids, assignee_id=request.user.pk, actor=request.user)
        elif action == "assign":
            case_assign(case_ids=ids, assignee_id=form.cleaned_data.get("assignee"), actor=request.user)
        elif action == "not_ours":
            _forward_and_close(request, ids)
        elif action == "duplicate":
            case_close(
                case_ids=ids,
                resolution="duplicate",
                actor=request.user,
                duplicate_of=form.cleaned_data.get("duplicate_of"),
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, ngettext("%(n)s case updated.", "%(n)s cases updated.", len(ids)) % {"n": len(ids)}
        )
    return redirect(back)


def _forward_and_close(request, ids: list[int]) -> None:
    """Forward each case to its known contact (ARF) and close it as not ours: all or nothing."""
    case_forward_and_close(case_ids=ids, actor=request.user)


@login_required
@desk_required
@require_POST
def saved_filter_save(request):
    name = request.POST.get("name", "").strip()[:80]
    query = request.POST.get("query", "")[:1000]
    if not name:
        messages.error(request, _("Give the filter a name."))
    else:
        SavedFilter.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
        messages.success(request, _("Filter %(name)s saved.") % {"name": name})
    return redirect(f"{reverse('case-list')}?{query}")


@login_required
@desk_required
@require_POST
def saved_filter_delete(request, pk):
    SavedFilter.objects.filter(user=request.user, pk=pk).delete()
    return redirect("case-list")


def _get_case(user, pk):
    return get_or_404(case_get_for_user, user, pk)


@login_required
@desk_required
def case_detail(request, pk):
    return _case_page(request, _get_case(request.user, pk))


def _case_page(request, case, *, status: int = 200, **forms):
    """The case page; after a refused POST it is shown again (not a redirect) with the
    form as sent, so the reason and what the person typed are both on the page."""
    ours = case_is_ours(case)
    forwardable = case_forwardable(case)
    contact = forward_contact(case) if forwardable else None
    context = {
        "case": case,
        # The columns the table shows, and only the accounts of each attribution (a
        # report's attribution is kilobytes of JSON with its steps and records).
        "reports": case.reports.order_by("-received_at")
        .only("id", "case_id", "received_at", "occurred_at", "source_ip", "reporter", "reporter_key")
        .annotate(accounts=KeyTransform("accounts", "attribution"))[:200],
        "evidence": case.evidence.order_by("-asked_at")[:200],
        "ours": ours,
        "forwardable": forwardable,
        "forward_contact": contact,
        "forward_needs_consent": forwardable and forward_needs_consent(case),
        "forward_form": ForwardForm(initial={"to": contact or ""}),
        "forwards": case.forwards.all()[:20],
        "replies": case.replies.all()[:50],
        "reply_form": ReplyForm(),
        "complainants": len(case_reporters(case)),
        "timeline": case_timeline(case),
        "staff": desk_users(),
        "action_form": CaseActionForm(),
        "confirmation_form": None,
        "facts": case_facts_shown(case),
        **forms,
    }
    if case.attribution:
        traffic_viewed(user=request.user, case=case, via="case page")
    return render(request, "complaints/case_detail.html", context, status=status)


def _case_refused(request, pk, *, message: str, status: int, **forms):
    """A form or a service refused the POST: the case page again, with the bound form."""
    messages.error(request, message)
    return _case_page(request, _get_case(request.user, pk), status=status, **forms)


@login_required
@desk_required
@require_POST
def case_action_view(request, pk):
    """Assign, close, reopen or close as not ours, from the case page."""
    case = _get_case(request.user, pk)
    form = CaseActionForm(request.POST)
    if not form.is_valid():
        return _case_refused(request, case.pk, message=form_errors(form), status=400, action_form=form)
    data, ids = form.cleaned_data, [case.pk]
    try:
        if data["action"] == "assign_me":
            case_assign(case_ids=ids, assignee_id=request.user.pk, actor=request.user)
        elif data["action"] == "assign":
            case_assign(case_ids=ids, assignee_id=data.get("assignee"), actor=request.user)
        elif data["action"] == "close":
            case_close(
                case_ids=ids,
                resolution=data["resolution"],
                actor=request.user,
                reason=data.get("reason", ""),
                duplicate_of=data.get("duplicate_of"),
            )
        elif data["action"] == "reopen":
            case_reopen(case_ids=ids, actor=request.user, reason=data.get("reason", ""))
        elif data["action"] == "not_ours":
            _forward_and_close(request, ids)
    except ApplicationError as exc:
        return _case_refused(request, case.pk, message=exc.message, status=exc.status_code, action_form=form)
    messages.success(request, _("Case %(pk)s updated.") % {"pk": case.pk})
    return redirect("case-detail", pk=case.pk)


@login_required
@desk_required
@require_POST
def case_forward_view(request, pk):
    case = _get_case(request.user, pk)
    form = ForwardForm(request.POST)
    if not form.is_valid():
        return _case_refused(request, pk, message=form_errors(form), status=400, forward_form=form)
    try:
        forward = case_forward(
            case=case,
            user=request.user,
            fmt=form.cleaned_data["format"],
            to=form.cleaned_data.get("to") or None,
            reason=form.cleaned_data.get("reason", ""),
            consent=form.cleaned_data.get("consent", False),
        )
    except ApplicationError as exc:
        return _case_refused(request, pk, message=exc.message, status=exc.status_code, forward_form=form)
    messages.success(
        request,
        _("Forwarded to %(to)s as %(fmt)s.") % {"to": forward.to, "fmt": forward.get_format_display()},
    )
    return redirect("case-detail", pk=pk)


@login_required
@desk_required
@require_POST
def forward_retry_view(request, pk, forward_pk):
    """Send a forward that failed again (the same row and message, never a second forward)."""
    case = _get_case(request.user, pk)
    forward = get_object_or_404(Forward, pk=forward_pk, case=case)
    try:
        forward_retry(forward=forward, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        forward.refresh_from_db()
        if forward.sent_at:
            messages.success(request, _("Forward to %(to)s sent.") % {"to": forward.to})
        else:
            messages.info(request, _("Forward to %(to)s queued again.") % {"to": forward.to})
    return redirect("case-detail", pk=case.pk)


@login_required
@desk_required
@require_POST
def reply_retry_view(request, pk, reply_pk):
    """Send a reply that failed again (the same row, never a second reply)."""
    case = _get_case(request.user, pk)
    reply = get_object_or_404(Reply, pk=reply_pk, case=case)
    try:
        reply_retry(reply=reply, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        reply.refresh_from_db()
        if reply.sent_at:
            messages.success(request, _("Reply to %(to)s sent.") % {"to": reply.to})
        else:
            messages.info(request, _("Reply to %(to)s queued again.") % {"to": reply.to})
    return redirect("case-detail", pk=case.pk)


@login_required
@desk_required
@require_POST
def case_reply_view(request, pk):
    case = _get_case(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _case_refused(request, pk, message=form_errors(form), status=400, reply_form=form)
    try:
        n = case_reply(
            case=case,
            user=request.user,
            template=form.cleaned_data["template"],
            note=form.cleaned_data.get("note", ""),
        )
    except ApplicationError as exc:
        return _case_refused(request, pk, message=exc.message, status=exc.status_code, reply_form=form)
    messages.success(
        request,
        ngettext("Reply sent to %(n)s complainant.", "Reply sent to %(n)s complainants.", n) % {"n": n},
    )
    return redirect("case-detail", pk=pk)


@login_required
@desk_required
@require_POST
def case_confirm_view(request, pk):
    case = _get_case(request.user, pk)
    form = ConfirmationForm(request.POST)
    if not form.is_valid():
        return _case_refused(request, pk, message=form_errors(form), status=400, confirmation_form=form)
    try:
        case_confirm(
            case=case,
            kind=form.cleaned_data["kind"],
            statement=form.cleaned_data["statement"],
            actor=request.user,
        )
    except ApplicationError as exc:
        return _case_refused(request, pk, message=exc.message, status=exc.status_code, confirmation_form=form)
    messages.success(request, _("Recorded. The case is attributed and evaluated again."))
    return redirect("case-detail", pk=pk)
