from django import template

from complaints.attribution.explain import explain
from complaints.attribution.steps import step_sentence

register = template.Library()


@register.filter
def sentence(step: dict) -> str:
    """An attribution step as a sentence (escaped by the template as usual)."""
    return step_sentence(step)


@register.filter
def findings(attribution: dict | None) -> dict:
    """The attribution as people read it: origin basis, compromise vs signals, sentences."""
    return explain(attribution)


@register.inclusion_tag("complaints/_confirm_form.html", takes_context=True)
def confirm_form(context, case):
    """The form that records a customer's confirmation or a checked stated origin."""
    from complaints.forms import ConfirmationForm

    return {"case": case, "form": ConfirmationForm(), "csrf_token": context.get("csrf_token")}
