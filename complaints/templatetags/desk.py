from django import template

from complaints.attribution.steps import step_sentence

register = template.Library()


@register.filter
def sentence(step: dict) -> str:
    """An attribution step as a sentence (escaped by the template as usual)."""
    return step_sentence(step)
