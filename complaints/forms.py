from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaints.choices import CaseResolution, ConfirmationKind, ReportCategory
from complaints.validation import CATEGORIES, event_time_problem, zone_id_problem


class MessageForm(forms.Form):
    """A complaint e-mail pasted as text or uploaded as an .eml file."""

    message = forms.CharField(
        label=_("Paste the message (with all headers)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
    )
    file = forms.FileField(label=_("or upload an .eml file"), required=False)

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("message") or ""
        if upload and text.strip():
            raise forms.ValidationError(_("Paste a message or upload a file, not both."))
        if upload:
            if upload.size > settings.ABUSEDESK_MAX_REPORT_BYTES:
                raise forms.ValidationError(
                    _("The file is larger than the limit of %(n)s bytes.")
                    % {"n": settings.ABUSEDESK_MAX_REPORT_BYTES}
                )
            data["raw"] = upload.read()
        elif text.strip():
            data["raw"] = text.encode("utf-8")
        else:
            raise forms.ValidationError(_("Paste a message or choose a file."))
        if len(data["raw"]) > settings.ABUSEDESK_MAX_REPORT_BYTES:
            raise forms.ValidationError(
                _("The message is larger than the limit of %(n)s bytes.")
                % {"n": settings.ABUSEDESK_MAX_REPORT_BYTES}
            )
        return data


class PhoneForm(forms.Form):
    """What a customer who phoned can tell us."""

    source_ip = forms.GenericIPAddressField(label=_("Source address"), unpack_ipv4=True)
    occurred_at = forms.DateTimeField(
        label=_("When (your time zone)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[(c, ReportCategory(c).label) for c in CATEGORIES], initial="spam"
    )
    reporter = forms.EmailField(label=_("Caller's e-mail"), required=False)
    message = forms.CharField(
        label=_("What the caller said or forwarded"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )

    def clean_source_ip(self):
        # What was typed: the address field would keep a zone id (fe80::1%eth0).
        problem = zone_id_problem(self.data.get(self.add_prefix("source_ip"), ""))
        if problem:
            raise forms.ValidationError(problem)
        return self.cleaned_data["source_ip"]

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        problem = event_time_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class ContentForm(forms.Form):
    purpose = forms.CharField(label=_("Why do you need to read the content?"), min_length=5, max_length=500)


class ForwardForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("arf", "ARF (RFC 5965)"), ("xarf", "XARF v4 JSON")]
    )
    to = forms.EmailField(label=_("Send to"), required=False)
    consent = forms.BooleanField(
        label=_("The complainant agreed to this forward (needed for spam our customers received)"),
        required=False,
    )
    reason = forms.CharField(label=_("Note for the record"), required=False, max_length=500)


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign_me", _("Assign to me")),
        ("assign", _("Assign to…")),
        ("not_ours", _("Close as not ours and forward")),
        ("duplicate", _("Close as duplicate of…")),
    ]
    cases = forms.CharField(required=False)
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.IntegerField(required=False)
    duplicate_of = forms.IntegerField(required=False)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            data["cases"] = ",".join(data.getlist("cases"))
        super().__init__(data, *args, **kwargs)

    def clean_cases(self):
        # A number no row can have (over a 64-bit key) selects nothing rather than
        # overflowing the database driver.
        ids = [
            int(x)
            for x in self.cleaned_data["cases"].split(",")
            if x.strip().isdigit() and 0 < int(x) < 2**63
        ]
        if not ids:
            raise forms.ValidationError(_("Select at least one case."))
        return ids


class ReplyForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"))
    note = forms.CharField(
        label=_("Added text (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        from complaints.services.replies import TEMPLATES

        super().__init__(*args, **kwargs)
        self.fields["template"].choices = list(TEMPLATES.items())


class CaseActionForm(forms.Form):
    """What staff do to one case from its page; the same services as the queue's bulk actions."""

    ACTIONS = [
        ("assign_me", _("Assign to me")),
        ("assign", _("Assign to…")),
        ("close", _("Close")),
        ("reopen", _("Reopen")),
        ("not_ours", _("Close as not ours and forward")),
    ]
    # "Not ours" is its own action (it forwards); a joe job only when the derived
    # facts show one (complaints.services.triage.case_close).
    RESOLUTIONS = [
        (r.value, r.label)
        for r in (CaseResolution.NO_ACTION, CaseResolution.DUPLICATE, CaseResolution.JOE_JOB)
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.IntegerField(label=_("Assignee"), required=False)
    resolution = forms.ChoiceField(label=_("Resolution"), choices=RESOLUTIONS, required=False)
    duplicate_of = forms.IntegerField(label=_("Duplicate of case"), required=False, min_value=1)
    reason = forms.CharField(label=_("Note for the record"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("action") == "close" and not data.get("resolution"):
            self.add_error("resolution", _("Say how the case ends."))
        return data


class ConfirmationForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was confirmed"), choices=ConfirmationKind.choices)
    statement = forms.CharField(
        label=_("Who said or checked it, and how"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
