from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Culpability, EvidenceLevel, ForwardTo, LegalBasis, Target

# Fields the rule form edits; the ladder carries levels, approvals and step clauses.
RULE_FORM_FIELDS = [
    "title",
    "reporters_n",
    "window_days",
    "repeat_count",
    "repeat_window_months",
    "default_culpability",
    "intentional_at",
    "target",
    "forward_to",
    "clauses",
    "legal_basis",
    "ladder",
]


def _blank(choices):
    return [("", "—"), *choices]


class RuleForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    reporters_n = forms.IntegerField(label=_("Distinct reporters for E2 (N)"), min_value=1)
    window_days = forms.IntegerField(label=_("Within days (W)"), min_value=1)
    repeat_count = forms.IntegerField(label=_("Repeat count"), min_value=1)
    repeat_window_months = forms.IntegerField(label=_("Repeat window (months)"), min_value=1)
    default_culpability = forms.ChoiceField(label=_("Default culpability"), choices=Culpability.choices)
    intentional_at = forms.ChoiceField(
        label=_("Intentional from evidence level"), choices=_blank(EvidenceLevel.choices), required=False
    )
    target = forms.ChoiceField(label=_("Default target"), choices=Target.choices)
    forward_to = forms.ChoiceField(label=_("Forward to"), choices=_blank(ForwardTo.choices), required=False)
    clauses = forms.CharField(
        label=_("Clauses"), required=False, help_text=_("Catalogue ids separated by commas, e.g. C-03a, C-08")
    )
    legal_basis = forms.MultipleChoiceField(
        label=_("Legal basis"),
        choices=LegalBasis.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ladder = forms.JSONField(
        label=_("Ladder (JSON)"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=_("A list of steps, least restrictive first; the last step whose conditions hold applies."),
    )
    note = forms.CharField(label=_("Why this change"), widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_rule(cls, rule, criteria):
        initial = {name: getattr(rule, name) for name in RULE_FORM_FIELDS}
        initial["clauses"] = ", ".join(rule.clauses)
        initial["ladder"] = json.dumps(rule.ladder, indent=2, ensure_ascii=False)
        initial["base_version"] = criteria.version
        return cls(initial=initial)

    def clean_clauses(self):
        raw = self.cleaned_data["clauses"]
        return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]

    def clean_ladder(self):
        ladder = self.cleaned_data["ladder"]
        if not isinstance(ladder, list) or not ladder:
            raise forms.ValidationError(_("The ladder must be a non-empty JSON list of steps."))
        return ladder

    def rule_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in RULE_FORM_FIELDS}


class ClauseForm(forms.Form):
    isp_number = forms.CharField(label=_("The ISP's article number"), max_length=100, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    title_ja = forms.CharField(label=_("Japanese title"), max_length=200, required=False)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    effective_from = forms.DateField(label=_("In force from"), initial=timezone.localdate)
    note = forms.CharField(label=_("Why this change"), widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_clause(cls, clause):
        names = ("isp_number", "title", "title_ja", "text")
        return cls(initial={name: getattr(clause, name) for name in names})


def form_errors(form) -> list[str]:
    """One line per error, labelled, for the messages list."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines
