from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ConsentChannel, FilteringAction


class FilteringConsentForm(forms.Form):
    action = forms.ChoiceField(label=_("What the customer said"), choices=FilteringAction.choices)
    given_at = forms.DateTimeField(
        label=_("When"), initial=timezone.now, help_text=_("e.g. 2026-11-21 10:00")
    )
    channel = forms.ChoiceField(label=_("How"), choices=ConsentChannel.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was said, or where the signed form or call record is kept"),
    )
    case = forms.IntegerField(widget=forms.HiddenInput, required=False)


class InstructionConfirmForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, max_length=1000)
