"""Template filters for codes as labels: `{{ case.sending_method|label:"method" }}`,
`{{ attribution.roles|labels:"role" }}`. The table is `dashboards.labels`."""

from django import template

from dashboards import labels as table

register = template.Library()


@register.filter
def label(value, kind: str) -> str:
    return table.label(value, kind)


@register.filter
def labels(values, kind: str) -> str:
    return table.labels(values, kind)


@register.filter
def timeline_lines(entries):
    """A case timeline (complaints.selectors.case_timeline) as lines to show."""
    from dashboards.timeline import timeline_lines as lines

    return lines(entries)
