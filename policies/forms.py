from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Approval, Culpability, EvidenceLevel, ForwardTo, LegalBasis, Level, Target
from .services import MAX_REVIEW_HOURS, RULE_MAXIMA, SETTING_MAXIMA
from .snapshot import RuleDataError, step_spec

# Fields the rule form edits; the ladder is edited as rows (LadderFormSet).
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
]
OPTIONAL_CHOICES = {"intentional_at", "forward_to"}  # blank: "" or None in the data
UNORDERED = {"legal_basis"}  # ticked boxes come back in the choices' order


# Target "none" is labelled "None" in the choices; in a form a person reads words.
TARGETS = [(value, _("no target") if value == Target.NONE else name) for value, name in Target.choices]


def _blank(choices):
    return [("", "—"), *choices]


def _clause_list(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").replace("\n", ",").split(",") if part.strip()]


def _unknown_clauses(ids, known) -> list[str]:
    return sorted(set(ids) - set(known)) if known is not None else []


class RuleForm(forms.Form):
    """The rule's own fields. `rule` is the stored rule data (policies.selectors.rule_data):
    `rule_changes()` returns only what the manager changed, so saving an untouched form
    changes nothing."""

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    reporters_n = forms.IntegerField(
        label=_("Distinct reporters for E2 (N)"), min_value=1, max_value=RULE_MAXIMA["reporters_n"]
    )
    window_days = forms.IntegerField(
        label=_("Within days (W)"), min_value=1, max_value=RULE_MAXIMA["window_days"]
    )
    repeat_count = forms.IntegerField(
        label=_("Repeat count"), min_value=1, max_value=RULE_MAXIMA["repeat_count"]
    )
    repeat_window_months = forms.IntegerField(
        label=_("Repeat window (months)"), min_value=1, max_value=RULE_MAXIMA["repeat_window_months"]
    )
    default_culpability = forms.ChoiceField(label=_("Default culpability"), choices=Culpability.choices)
    intentional_at = forms.ChoiceField(
        label=_("Intentional from evidence level"), choices=_blank(EvidenceLevel.choices), required=False
    )
    target = forms.ChoiceField(label=_("Default target"), choices=TARGETS)
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
    reason = forms.CharField(
        label=_("Why this change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why this changes: the reason is kept with the new version.")},
    )

    def __init__(self, *args, rule: dict, known_clauses=None, **kwargs):
        self.rule = rule
        self.known_clauses = known_clauses
        super().__init__(*args, **kwargs)

    @classmethod
    def for_rule(cls, rule: dict, criteria, **kwargs):
        initial = {name: rule.get(name) for name in RULE_FORM_FIELDS}
        initial["clauses"] = ", ".join(rule.get("clauses") or [])
        initial["intentional_at"] = rule.get("intentional_at") or ""
        initial["forward_to"] = rule.get("forward_to") or ""
        initial["base_version"] = criteria.version
        return cls(initial=initial, rule=rule, **kwargs)

    def clean_clauses(self):
        ids = _clause_list(self.cleaned_data["clauses"])
        unknown = _unknown_clauses(ids, self.known_clauses)
        if unknown:
            raise forms.ValidationError(
                _("Unknown clause(s): %(ids)s. Use the catalogue ids, e.g. C-03a."),
                params={"ids": ", ".join(unknown)},
            )
        return ids

    def rule_changes(self) -> dict:
        changes = {}
        for name in RULE_FORM_FIELDS:
            value, stored = self.cleaned_data[name], self.rule.get(name)
            if name in OPTIONAL_CHOICES and not value and not stored:
                continue
            if name in UNORDERED and set(value) == set(stored or []):
                continue
            if value != stored:
                changes[name] = value
        return changes


YES_NO_DEFAULT = [("", _("as the level says")), ("yes", _("yes")), ("no", _("no"))]
TRI = {"": None, "yes": True, "no": False}
TRI_BACK = {None: "", True: "yes", False: "no"}
STEP_CULPABILITY = [
    ("", _("any")),
    ("intentional", _("Intentional")),
    ("victim", _("Victim or undetermined")),
]


class LadderStepForm(forms.Form):
    """One rung of a rule's ladder: when it applies (evidence and conditions), what it
    does (level, target, extra measures) and who approves it."""

    level = forms.ChoiceField(
        label=_("Level"),
        choices=_blank(Level.choices),
        error_messages={"required": _("Choose the measure's level for this step.")},
    )
    evidence = forms.ChoiceField(label=_("From evidence"), choices=EvidenceLevel.choices, initial="E0")
    after = forms.ChoiceField(
        label=_("Only after a measure of at least"), choices=_blank(Level.choices), required=False
    )
    culpability = forms.ChoiceField(label=_("Culpability"), choices=STEP_CULPABILITY, required=False)
    ongoing = forms.BooleanField(label=_("only while it goes on"), required=False)
    own_logs = forms.BooleanField(label=_("only when our own logs confirm it"), required=False)
    warned = forms.BooleanField(label=_("only after a documented warning"), required=False)
    approval = forms.ChoiceField(label=_("Approval"), choices=Approval.choices, initial="staff")
    also = forms.MultipleChoiceField(
        label=_("Together with"), choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    target = forms.ChoiceField(
        label=_("Target"), choices=[("", _("the rule's"))] + TARGETS, required=False
    )
    clauses = forms.CharField(label=_("Added clauses"), required=False, max_length=200)
    legal_basis = forms.MultipleChoiceField(
        label=_("Legal basis (empty: the rule's)"),
        choices=LegalBasis.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notice = forms.ChoiceField(label=_("Notice"), choices=YES_NO_DEFAULT, required=False)
    hearing = forms.ChoiceField(label=_("Hearing"), choices=YES_NO_DEFAULT, required=False)
    review_hours = forms.IntegerField(
        label=_("Review after (hours)"), required=False, min_value=1, max_value=MAX_REVIEW_HOURS
    )
    emergency = forms.BooleanField(label=_("Emergency: carried out before approval"), required=False)
    forward_to = forms.ChoiceField(
        label=_("Forward to"), choices=[("", _("the rule's"))] + ForwardTo.choices, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    # Form field -> position in the error names of policies.snapshot.step_spec.
    SPEC_FIELDS = {"when.evidence": "evidence", "when.after": "after", "when.culpability": "culpability"}

    def __init__(self, *args, known_clauses=None, **kwargs):
        self.known_clauses = known_clauses
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(step: dict) -> dict:
        when = step.get("when") or {}
        return {
            "level": step.get("level", ""),
            "evidence": when.get("evidence", "E0"),
            "after": when.get("after") or "",
            "culpability": when.get("culpability") or "",
            "ongoing": bool(when.get("ongoing")),
            "own_logs": bool(when.get("own_logs")),
            "warned": bool(when.get("warned")),
            "approval": step.get("approval", "staff"),
            "also": list(step.get("also") or []),
            "target": step.get("target") or "",
            "clauses": ", ".join(step.get("clauses") or []),
            "legal_basis": list(step.get("legal_basis") or []),
            "notice": TRI_BACK[step.get("notice")],
            "hearing": TRI_BACK[step.get("hearing")],
            "review_hours": step.get("review_hours"),
            "emergency": bool(step.get("emergency")),
            "forward_to": step.get("forward_to") or "",
            "note": step.get("note", ""),
        }

    def step(self) -> dict:
        """The row as ladder data, with only the keys that differ from the defaults."""
        d = self.cleaned_data
        when = {"evidence": d["evidence"]}
        when.update({k: d[k] for k in ("after", "culpability") if d.get(k)})
        when.update({k: True for k in ("ongoing", "own_logs", "warned") if d.get(k)})
        step = {"when": when, "level": d["level"]}
        optional = {
            "also": d.get("also") or None,
            "target": d.get("target") or None,
            "approval": d["approval"] if d["approval"] != "staff" else None,
            "clauses": _clause_list(d.get("clauses")) or None,
            "legal_basis": d.get("legal_basis") or None,
            "notice": TRI[d.get("notice") or ""],
            "hearing": TRI[d.get("hearing") or ""],
            "review_hours": d.get("review_hours"),
            "emergency": True if d.get("emergency") else None,
            "forward_to": d.get("forward_to") or None,
            "note": d.get("note") or None,
        }
        step.update({k: v for k, v in optional.items() if v is not None})
        return step

    def clean(self):
        data = super().clean()
        if self.errors or not data.get("level"):
            return data
        unknown = _unknown_clauses(_clause_list(data.get("clauses")), self.known_clauses)
        if unknown:
            self.add_error("clauses", _("Unknown clause(s): %(ids)s.") % {"ids": ", ".join(unknown)})
            return data
        try:
            step_spec(self.step(), "step")
        except RuleDataError as exc:
            name = exc.field.removeprefix("step").lstrip(".")
            name = self.SPEC_FIELDS.get(name, name)
            self.add_error(name if name in self.fields else None, exc.message)
        return data


class BaseLadderFormSet(forms.BaseFormSet):
    def __init__(self, *args, stored: list | None = None, **kwargs):
        self.stored = stored or []
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        if not self.ladder_rows():
            raise forms.ValidationError(_("A rule needs at least one step."))

    def ladder_rows(self) -> list[LadderStepForm]:
        rows = [
            f
            for f in self.forms
            if f.is_valid() and f.cleaned_data.get("level") and not self._should_delete_form(f)
        ]
        if self.can_order:
            rows.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0))
        return rows

    def ladder(self) -> list[dict]:
        """The steps in order. When they mean what the stored ladder means, the stored
        ladder itself, so an untouched save changes nothing (the form writes default
        keys the stored data may leave out)."""
        steps = [f.step() for f in self.ladder_rows()]
        try:
            same = [step_spec(s) for s in steps] == [step_spec(s) for s in self.stored]
        except RuleDataError:
            same = False
        return list(self.stored) if same else steps


LadderFormSet = forms.formset_factory(
    LadderStepForm, formset=BaseLadderFormSet, extra=1, can_delete=True, can_order=True, max_num=30
)


def ladder_formset(rule: dict, data=None, known_clauses=None) -> BaseLadderFormSet:
    stored = list(rule.get("ladder") or [])
    return LadderFormSet(
        data,
        prefix="ladder",
        initial=[LadderStepForm.initial_for(step) for step in stored],
        stored=stored,
        form_kwargs={"known_clauses": known_clauses},
    )


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


class CriteriaSettingsForm(forms.Form):
    """The set's own numbers: review periods, made-up recipients, volume limits.

    Saving writes a new criteria version (policies.services.criteria_edit); only the
    numbers a manager changed are passed, so an untouched form changes nothing."""

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    review_hours = forms.IntegerField(
        label=_("Review a restriction within (hours)"), min_value=1, max_value=SETTING_MAXIMA["review_hours"]
    )
    emergency_review_hours = forms.IntegerField(
        label=_("Review an emergency measure within (hours)"),
        min_value=1,
        max_value=SETTING_MAXIMA["emergency_review_hours"],
    )
    made_up_percent = forms.IntegerField(
        label=_("Made-up recipients: at least this percentage did not exist"),
        min_value=1,
        max_value=SETTING_MAXIMA["made_up_percent"],
    )
    made_up_minimum = forms.IntegerField(
        label=_("Made-up recipients: counted over at least this many recipients"),
        min_value=1,
        max_value=SETTING_MAXIMA["made_up_minimum"],
    )
    volume_messages = forms.IntegerField(
        label=_("Messages per login per hour"), min_value=1, max_value=SETTING_MAXIMA["volume_messages"]
    )
    volume_recipients = forms.IntegerField(
        label=_("Recipients per login per hour"), min_value=1, max_value=SETTING_MAXIMA["volume_recipients"]
    )
    volume_domains = forms.IntegerField(
        label=_("Distinct recipient domains per login per hour"),
        min_value=1,
        max_value=SETTING_MAXIMA["volume_domains"],
    )
    volume_unknown_percent = forms.IntegerField(
        label=_("Unknown recipients per login per hour (percent)"),
        min_value=1,
        max_value=SETTING_MAXIMA["volume_unknown_percent"],
    )
    volume_unknown_minimum = forms.IntegerField(
        label=_("Unknown-recipient share counted from (recipients in the hour)"),
        min_value=1,
        max_value=SETTING_MAXIMA["volume_unknown_minimum"],
    )
    volume_new_networks = forms.IntegerField(
        label=_("New client networks per login per hour"),
        min_value=1,
        max_value=SETTING_MAXIMA["volume_new_networks"],
        help_text=_("Networks (/24 for IPv4, /48 for IPv6) the login did not use in the 30 days before."),
    )
    volume_addresses = forms.IntegerField(
        label=_("Client addresses per login per hour"),
        min_value=1,
        max_value=SETTING_MAXIMA["volume_addresses"],
    )
    reason = forms.CharField(
        label=_("Why this change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why this changes: the reason is kept with the new version.")},
    )

    SETTINGS = (
        "review_hours",
        "emergency_review_hours",
        "made_up_percent",
        "made_up_minimum",
        "volume_messages",
        "volume_recipients",
        "volume_domains",
        "volume_unknown_percent",
        "volume_unknown_minimum",
        "volume_new_networks",
        "volume_addresses",
    )

    def __init__(self, *args, criteria, **kwargs):
        self.criteria = criteria
        initial = {name: getattr(criteria, name) for name in self.SETTINGS}
        initial["base_version"] = criteria.version
        super().__init__(*args, initial=initial, **kwargs)

    def setting_changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.SETTINGS
            if self.cleaned_data[name] != getattr(self.criteria, name)
        }
