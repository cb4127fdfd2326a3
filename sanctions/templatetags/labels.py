"""Template filters for codes as labels: `{{ case.sending_method|label:"method" }}`,
`{{ attribution.roles|labels:"role" }}`. The table is `sanctions.labels`."""

from django import template

from sanctions import labels as table

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
    from sanctions.timeline import timeline_lines as lines

    return lines(entries)


@register.filter
def clause_title(clause) -> str:
    return table.clause_title(clause)


@register.filter
def get_item(mapping, key):
    """`{{ dossier.relied_on|get_item:s.pk }}`: a dict entry by a variable key."""
    return (mapping or {}).get(key, [])


@register.filter
def case_subject(subject) -> str:
    """`{{ case.subject|case_subject }}`: what a case accuses, in the reader's language."""
    from complaints.subjects import case_subject as shown

    return shown(subject)


@register.filter
def status_reason(reason) -> str:
    """`{{ report.status_reason|status_reason }}`: the intake's reason, translated."""
    from complaints.subjects import status_reason as shown

    return shown(reason)


@register.filter
def reporter_key(key) -> str:
    """`{{ report.reporter_key|reporter_key }}`: how a report reached us, as words."""
    from complaints.reporters import reporter_label

    return reporter_label(key)


@register.filter
def notice_error(error) -> str:
    """`{{ n.error|notice_error }}`: an error the desk stored, in the reader's language."""
    from sanctions.services.notices import notice_error as shown

    return shown(error)
