"""Forms of the sanctions pages. They check what a person must fill in; the
services check the rules again (checks.py) and their reasons land on the same fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from subscribers.models import Account

from .checks import REQUIRED
from .choices import MEASURE_BASIS_CHOICES, AnswerChannel, Culpability, Level, Restriction


class AccountChoiceField(forms.ModelChoiceField):
    """An account as a person reads it: its kind as a word in their language, not the
    stored code that Account.__str__ (admin, logs) shows."""

    def label_from_instance(self, obj: Account) -> str:
        kind = obj.get_kind_display()
        shown = f"{kind} {obj.identifier}" if obj.identifier else kind
        return f"{obj.account_id} ({shown})"


class ProposalForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    account = AccountChoiceField(label=_("Account"), queryset=Account.objects.none(), required=False)
    content_ref = forms.CharField(
        label=_("Hosted content (URL or path)"),
        required=False,
        max_length=1000,
        help_text=_("For a measure on specific hosted content instead of a whole account."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": REQUIRED["justification"]},
    )
    clauses = forms.MultipleChoiceField(
        label=_("Contract clauses"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": REQUIRED["clauses"]},
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=[("", "—")] + MEASURE_BASIS_CHOICES,
        error_messages={"required": REQUIRED["legal_basis"]},
    )
    legal_references = forms.CharField(
        label=_("Statutes cited"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_relied_on = forms.MultipleChoiceField(
        label=_("Evidence relied on"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": REQUIRED["evidence_relied_on"]},
    )
    culpability = forms.ChoiceField(
        label=_("Culpability"), choices=[("", "—")] + Culpability.choices, required=False
    )
    restriction = forms.ChoiceField(
        label=_("Restriction (L3)"),
        choices=[("", "—")] + Restriction.choices,
        required=False,
        help_text=_("Which targeted restriction the provisioning side puts in place."),
    )
    rate_per_hour = forms.IntegerField(
        label=_("Cap: messages per hour"), required=False, min_value=1, max_value=100000
    )
    period_days = forms.IntegerField(label=_("Period in days"), required=False, min_value=1, max_value=3650)
    emergency = forms.BooleanField(
        label=_("Emergency: carry out before approval (C-09)"),
        required=False,
    )

    def __init__(self, *args, accounts, clause_choices, evidence_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["clauses"].choices = clause_choices
        self.fields["evidence_relied_on"].choices = evidence_choices

    def clean(self):
        data = super().clean()
        if not data.get("account") and not (data.get("content_ref") or "").strip():
            self.add_error("account", REQUIRED["account"])
        return data


class RevisionForm(ProposalForm):
    """A proposal sent back for more evidence, revised by its proposer: the same fields
    and checks as a new one, except what the measure acts on (another target is another
    proposal) and the emergency request, which stay as proposed."""

    reason = forms.CharField(
        label=_("What you changed, for the reviewer"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what you changed: a comment is required.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("accounts", Account.objects.none())
        super().__init__(*args, **kwargs)
        for name in ("account", "content_ref", "emergency"):
            del self.fields[name]

    def clean(self):
        return forms.Form.clean(self)


class TransitionForm(forms.Form):
    to_state = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why: a comment is required.")},
    )


class EmergencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it cannot wait for approval"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why it cannot wait for approval.")},
    )


class ConfirmForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HearingAnswerForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        # The browser's picker sends 2026-12-04T15:00; typed, the ISO form or Japan's 2026/12/04 15:00.
        input_formats=[
            "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
            "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
        ],
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("How"), choices=AnswerChannel.choices)
    text = forms.CharField(
        label=_("The customer's answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write down the customer's answer.")},
    )
