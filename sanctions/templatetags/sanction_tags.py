from django import template

register = template.Library()


@register.filter
def reason_sentence(code: str) -> str:
    """A recommendation's machine-readable reason as a sentence (policies owns the wording)."""
    try:
        from policies.reasons import reason_text
    except ImportError:
        return code
    return reason_text(code)


@register.filter
def no_measure_sentence(key: str | None) -> str:
    try:
        from policies.reasons import no_measure_text
    except ImportError:
        return key or ""
    return no_measure_text(key)


@register.inclusion_tag("sanctions/_history.html")
def subscriber_history_for(case):
    """The case's subscribers' measures, for pages outside this app (the case page)."""
    from sanctions.selectors import subscriber_history

    return {"history": subscriber_history(case)[:50]}
