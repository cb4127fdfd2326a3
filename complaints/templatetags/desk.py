from datetime import datetime

from django import template

from complaints.attribution.explain import explain
from complaints.attribution.steps import step_sentence

register = template.Library()


@register.filter(expects_localtime=True)
def stamp(value, seconds: bool = False) -> str:
    """The text of `date:"Y-m-d H:i T"` (with seconds, `date:"Y-m-d H:i:s T"`), for long
    tables: Django's date formatting costs ~50 µs a value, a case page shows 600."""
    if not isinstance(value, datetime):
        return ""
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"
    if seconds:
        text += f":{value.second:02d}"
    return f"{text} {value.tzname() or ''}"


@register.filter
def sentence(step: dict) -> str:
    """An attribution step as a sentence (escaped by the template as usual)."""
    return step_sentence(step)


@register.filter
def findings(attribution: dict | None) -> dict:
    """The attribution as people read it: origin basis, compromise vs signals, sentences."""
    return explain(attribution)


@register.filter
def evidence_answer(record) -> str:
    """An evidence row's answer as people read it (our sender authentication in words)."""
    from complaints.facts.sentences import evidence_answer_text

    return evidence_answer_text(record)


@register.filter
def report_reference(pk) -> str:
    """A report's reference (ADR-00000042) from its id."""
    try:
        return f"ADR-{int(pk):08d}"
    except (TypeError, ValueError):
        return "—"


@register.inclusion_tag("complaints/_confirm_form.html", takes_context=True)
def confirm_form(context, case):
    """The form that records a customer's confirmation or a checked stated origin."""
    from complaints.forms import ConfirmationForm

    return {"case": case, "form": ConfirmationForm(), "csrf_token": context.get("csrf_token")}
