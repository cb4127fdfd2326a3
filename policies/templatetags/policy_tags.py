from django import template

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
        parts.append(f"after {when['after']}")
    parts.extend(name for name in ("culpability", "ongoing", "own_logs", "warned") if when.get(name))
    if when.get("culpability"):
        parts[parts.index("culpability")] = when["culpability"]
    return ", ".join(parts)


@register.filter
def join_list(values, sep=", ") -> str:
    return sep.join(str(v) for v in values or ()) or "—"
