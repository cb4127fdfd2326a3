from django import template
from django.utils.translation import gettext as _

from policies.forms import STEP_CULPABILITY
from policies.reasons import no_measure_text, reason_text

register = template.Library()

register.filter("reason_text", reason_text)
register.filter("no_measure_text", no_measure_text)


@register.filter
def step_when(step: dict) -> str:
    """A ladder step's conditions in short form, e.g. "E2+, after L4, intentional"."""
    when = step.get("when") or {}
    parts = [f"{when.get('evidence', 'E0')}+"]
    if when.get("after"):
        parts.append(_("after %(level)s") % {"level": when["after"]})
    if when.get("culpability"):
        parts.append(str(dict(STEP_CULPABILITY).get(when["culpability"], when["culpability"])))
    flags = {
        "ongoing": _("while it goes on"),
        "own_logs": _("our logs confirm"),
        "warned": _("after a warning"),
    }
    parts.extend(str(text) for name, text in flags.items() if when.get(name))
    return ", ".join(parts)


@register.filter
def join_list(values, sep=", ") -> str:
    return sep.join(str(v) for v in values or ()) or "—"
