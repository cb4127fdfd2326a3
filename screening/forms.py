from django import forms
from django.utils.translation import gettext_lazy as _


class ScreeningForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    kana = forms.CharField(label=_("Kana reading"), required=False, max_length=200)
    address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=300,
        help_text=_("With or without the postal code and prefecture; 丁目/番地/号 or hyphens."),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    card = forms.CharField(
        label=_("Payment card fingerprint"),
        required=False,
        max_length=128,
        help_text=_("The payment processor's fingerprint of the card, never the card number."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why you screen this applicant; it is written to the audit trail."),
    )
    application_ref = forms.CharField(label=_("Application number"), required=False, max_length=64)
