"""Staff propose a measure from a case, seeing the recommendation and why."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template import base as template_base
from django.template import defaultfilters
from django.utils.translation import gettext as _

from abusedesk.errors import ApplicationError
from abusedesk.web import desk_required
from complaints.models import Evidence, Report
from subscribers.models import Account

from .. import policy
from ..choices import MEASURE_BASIS_VALUES, TARGET_ACCOUNT_KIND
from ..facts import case_facts_for_page
from ..forms import ProposalForm, RevisionForm
from ..labels import clause_title, label
from ..selectors import subscriber_history
from ..services import revise_refusal, sanction_propose, sanction_revise
from .common import get_case, get_sanction


def _shown_time(value) -> str:
    """A time as the desk's pages show it: in the reader's zone, with the zone's name
    (the `date` filter after the template's localtime, which keeps an odd stored time)."""
    if value is None:
        return "—"
    return defaultfilters.date(template_base.template_localtime(value), "Y-m-d H:i:s T")


def _evidence_choices(case) -> list[tuple[str, str]]:
    reports = (
        Report.objects.filter(case=case)
        .only("id", "occurred_at", "source_ip")
        .order_by("occurred_at", "id")[:200]
    )
    evidence = Evidence.objects.filter(case=case).order_by("asked_at", "id")[:200]
    choices = [
        (f"report:{r.pk}", f"{r.reference} · {_shown_time(r.occurred_at)} · {r.source_ip or '—'}")
        for r in reports
    ]
    choices += [
        (f"evidence:{e.pk}", f"{e.get_kind_display()} {e.query_name} · {e.get_outcome_display()}")
        for e in evidence
    ]
    return choices


# A telemetry case (a login over the volume limits) starts from a send-rate cap.
DEFAULT_CAP_PER_HOUR = 20


def _initial(recommendation, accounts, evidence_choices, case=None) -> dict:
    basis = next((b for b in recommendation.legal_basis if b in MEASURE_BASIS_VALUES), "")
    account = next((a for a in accounts if a.kind == TARGET_ACCOUNT_KIND.get(recommendation.target)), None)
    telemetry = case is not None and case.source == "own_telemetry" and recommendation.level == "L3"
    relied = [value for value, _label in evidence_choices if value.startswith("report:")]
    if telemetry:
        relied += [value for value, label in evidence_choices if value.startswith("evidence:")]
    return {
        "restriction": "send_rate_cap" if telemetry else "",
        "rate_per_hour": DEFAULT_CAP_PER_HOUR if telemetry else None,
        "level": recommendation.level,
        "clauses": list(recommendation.clauses),
        "legal_basis": basis,
        # Free text the proposer may edit: the laws by their names, never their codes.
        "legal_references": ", ".join(
            label(b, "legal_basis") for b in recommendation.legal_basis if b not in MEASURE_BASIS_VALUES
        ),
        "culpability": recommendation.culpability,
        "evidence_relied_on": relied,
        "account": account.pk if account else None,
    }


@login_required
@desk_required
def sanction_propose_view(request, case_id: int):
    case = get_case(request.user, case_id)
    facts = case_facts_for_page(case)
    recommendation = policy.recommend(facts)
    accounts = Account.objects.filter(account_id__in=case.accounts or []).select_related("subscriber")
    clause_choices = _clause_choices()
    evidence_choices = _evidence_choices(case)
    form_kwargs = {
        "accounts": accounts,
        "clause_choices": clause_choices,
        "evidence_choices": evidence_choices,
    }
    if request.method == "POST":
        form = ProposalForm(request.POST, **form_kwargs)
        if form.is_valid():
            sanction = _propose(request, case, form)
            if sanction is not None:
                messages.success(request, _("Measure %(ref)s proposed.") % {"ref": sanction.reference})
                return redirect("sanction-detail", pk=sanction.pk)
    else:
        initial = _initial(recommendation, list(accounts), evidence_choices, case)
        form = ProposalForm(initial=initial, **form_kwargs)
    context = {
        "case": case,
        "facts": facts,
        "recommendation": recommendation,
        "history": subscriber_history(case)[:100],
        "form": form,
    }
    return render(request, "sanctions/propose.html", context, status=400 if form.errors else 200)


def _clause_choices() -> list[tuple[str, str]]:
    return [
        (
            c.catalogue_id,
            f"{c.catalogue_id} · {c.isp_number} {clause_title(c)} (v{c.version})".replace("  ", " "),
        )
        for c in policy.current_clauses()
    ]


def _add_errors(form, exc: ApplicationError) -> None:
    """A service's refusal on the form's fields (the rest above the form)."""
    for field, errors in (exc.fields or {"__all__": [exc.message]}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if exc.fields and exc.message not in form.non_field_errors():
        form.add_error(None, exc.message)


@login_required
@desk_required
def sanction_revise_view(request, pk: int):
    """The proposer revises a proposal sent back for more evidence and resubmits it."""
    sanction = get_sanction(request.user, pk)
    refusal = revise_refusal(sanction, request.user)
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect("sanction-detail", pk=sanction.pk)
    case = sanction.case
    facts = case_facts_for_page(
        case, culpability=sanction.culpability or None, exclude_sanction_id=sanction.pk
    )
    recommendation = policy.recommend(facts)
    form_kwargs = {"clause_choices": _clause_choices(), "evidence_choices": _evidence_choices(case)}
    status = 200
    if request.method == "POST":
        form = RevisionForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sanction = sanction_revise(
                    sanction_id=sanction.pk,
                    actor=request.user,
                    reason=data["reason"],
                    level=data["level"],
                    justification=data["justification"],
                    clauses=data["clauses"],
                    legal_basis=data["legal_basis"],
                    legal_references=data.get("legal_references") or "",
                    evidence_relied_on=data["evidence_relied_on"],
                    culpability=data.get("culpability") or "",
                    period_days=data.get("period_days"),
                    restriction=data.get("restriction") or "",
                    rate_per_hour=data.get("rate_per_hour"),
                )
            except ApplicationError as exc:
                _add_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Measure %(ref)s revised and sent back for review.") % {"ref": sanction.reference},
                )
                return redirect("sanction-detail", pk=sanction.pk)
        else:
            status = 400
    else:
        form = RevisionForm(initial=_revision_initial(sanction), **form_kwargs)
    context = {
        "sanction": sanction,
        "case": case,
        "facts": facts,
        "recommendation": recommendation,
        "history": subscriber_history(case).exclude(pk=sanction.pk)[:100],
        "form": form,
        "request_for_evidence": sanction.transitions.filter(to_state=sanction.state)
        .order_by("-at", "-id")
        .first(),
    }
    return render(request, "sanctions/revise.html", context, status=status)


def _revision_initial(sanction) -> dict:
    refs = [f"{r.get('type')}:{r.get('id')}" for r in sanction.evidence_relied_on or []]
    return {
        "level": sanction.level,
        "justification": sanction.justification,
        "clauses": [c.get("catalogue_id") for c in sanction.clauses or []],
        "legal_basis": sanction.legal_basis,
        "legal_references": sanction.legal_references,
        "evidence_relied_on": refs,
        "culpability": sanction.culpability,
        "restriction": sanction.restriction,
        "rate_per_hour": sanction.rate_per_hour,
        "period_days": sanction.period_days,
    }


def _propose(request, case, form):
    data = form.cleaned_data
    try:
        return sanction_propose(
            case=case,
            account=data.get("account"),
            content_ref=data.get("content_ref") or "",
            level=data["level"],
            justification=data["justification"],
            clauses=data["clauses"],
            legal_basis=data["legal_basis"],
            legal_references=data.get("legal_references") or "",
            evidence_relied_on=data["evidence_relied_on"],
            culpability=data.get("culpability") or "",
            period_days=data.get("period_days"),
            emergency=data.get("emergency", False),
            restriction=data.get("restriction") or "",
            rate_per_hour=data.get("rate_per_hour"),
            proposer=request.user,
        )
    except ApplicationError as exc:
        for field, errors in (exc.fields or {"__all__": [exc.message]}).items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return None
