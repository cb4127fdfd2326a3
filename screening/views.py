from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from abusedesk.errors import ApplicationError
from abusedesk.web import desk_required, get_or_404

from .choices import Channel
from .forms import ScreeningForm
from .selectors import exchange_overview, query_get_for_user, query_list_for_user
from .services import screening_run

manager_required = permission_required("abusedesk.review_measures", raise_exception=True)


@login_required
@desk_required
@require_http_methods(["GET", "POST"])
def screening_new(request):
    form = ScreeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            query = screening_run(
                identifiers=data,
                purpose=data.pop("purpose"),
                application_ref=data.pop("application_ref"),
                actor=request.user,
                channel=Channel.BROWSER,
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                form.add_error(field if field in form.fields else None, errors)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            return redirect("screening-detail", pk=query.pk)
    if request.method == "POST" and form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return render(request, "screening/new.html", {"form": form, "recent": query_list_for_user(request.user)})


@login_required
@desk_required
def screening_detail(request, pk: int):
    query = get_or_404(query_get_for_user, request.user, pk)
    return render(request, "screening/detail.html", {"query": query})


@login_required
@manager_required
def exchange_page(request):
    return render(request, "screening/exchange.html", exchange_overview())
