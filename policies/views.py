"""Managers' pages: the active criteria, their versions, and the clause catalogue.

Every change goes through policies.services and so writes a new version.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from abusedesk.errors import ApplicationError
from abusedesk.web import form_error_lines, get_or_404

from .forms import ClauseForm, CriteriaSettingsForm, RuleForm, ladder_formset
from .selectors import (
    active_criteria,
    clause_catalogue,
    clause_history,
    clause_ids,
    criteria_get,
    criteria_rules,
    criteria_versions,
    rule_data,
    rule_get,
)
from .services import clause_edit, criteria_edit

policy_editor = permission_required("abusedesk.edit_policies", raise_exception=True)


@login_required
@policy_editor
def policy_index(request):
    criteria = active_criteria()
    context = {"criteria": criteria, "rules": criteria_rules(criteria), "clauses": clause_catalogue()}
    return render(request, "policies/index.html", context)


@login_required
@policy_editor
def rule_edit(request, key):
    """The rule's fields and its ladder as rows; saving writes a new criteria version."""
    criteria = active_criteria()
    rule = rule_data(get_or_404(rule_get, criteria=criteria, key=key))
    known = clause_ids()
    form = RuleForm.for_rule(rule, criteria, known_clauses=known)
    ladder = ladder_formset(rule, known_clauses=known)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, rule=rule, known_clauses=known)
        ladder = ladder_formset(rule, request.POST, known_clauses=known)
        if form.is_valid() and ladder.is_valid():
            saved = _save_rule(request, key, form, ladder)
            if saved:
                return redirect("policies-index")
        status = 400
    context = {"criteria": criteria, "rule": rule, "form": form, "ladder": ladder}
    return render(request, "policies/rule_edit.html", context, status=status)


def _save_rule(request, key: str, form: RuleForm, ladder) -> bool:
    changes = form.rule_changes()
    steps = ladder.ladder()
    if steps != form.rule.get("ladder"):
        changes["ladder"] = steps
    if not changes:
        messages.info(
            request,
            _("Nothing changed: version %(v)s stays active.") % {"v": form.cleaned_data["base_version"]},
        )
        return True
    try:
        created = criteria_edit(
            user=request.user,
            note=form.cleaned_data["reason"],
            rules={key: changes},
            base_version=form.cleaned_data["base_version"],
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, _("Criteria version %(v)s is now active.") % {"v": created.version})
    return True


@login_required
@policy_editor
def criteria_settings_edit(request):
    """The set's numbers (review periods, made-up recipients, volume limits); a new version."""
    criteria = active_criteria()
    form = CriteriaSettingsForm(criteria=criteria)
    status = 200
    if request.method == "POST":
        form = CriteriaSettingsForm(request.POST, criteria=criteria)
        if form.is_valid():
            changes = form.setting_changes()
            if not changes:
                message = _("Nothing changed: version %(v)s stays active.") % {"v": criteria.version}
                messages.info(request, message)
                return redirect("policies-index")
            try:
                created = criteria_edit(
                    user=request.user,
                    note=form.cleaned_data["reason"],
                    settings=changes,
                    base_version=form.cleaned_data["base_version"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Criteria version %(v)s is now active.") % {"v": created.version})
                return redirect("policies-index")
        status = 400
    context = {"criteria": criteria, "form": form}
    return render(request, "policies/settings_edit.html", context, status=status)


@login_required
@policy_editor
def version_list(request):
    return render(request, "policies/versions.html", {"versions": criteria_versions()})


@login_required
@policy_editor
def version_detail(request, version):
    criteria = get_or_404(criteria_get, version=version)
    return render(
        request, "policies/version_detail.html", {"criteria": criteria, "rules": criteria_rules(criteria)}
    )


@login_required
@policy_editor
def clause_edit_view(request, catalogue_id):
    history = get_or_404(clause_history, catalogue_id=catalogue_id)
    form = ClauseForm.for_clause(history[0])
    if request.method == "POST":
        form = ClauseForm(request.POST)
        if not form.is_valid():
            for line in form_error_lines(form):
                messages.error(request, line)
        else:
            try:
                created = clause_edit(user=request.user, catalogue_id=catalogue_id, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Clause %(id)s version %(v)s saved.") % {"id": catalogue_id, "v": created.version},
                )
                return redirect("policies-index")
    context = {"clause": history[0], "history": history, "form": form}
    return render(request, "policies/clause_edit.html", context)
