from django import template

register = template.Library()


@register.inclusion_tag("prevention/_case_filtering.html")
def case_filtering(case):
    """The case's subscribers with their opt-in filtering state, for the case page."""
    from prevention.models import FilteringConsent
    from subscribers.models import Subscriber

    subscribers = list(
        Subscriber.objects.filter(accounts__account_id__in=case.accounts or [])
        .distinct()
        .order_by("subscriber_id")[:10]
    )
    latest = {}
    for consent in FilteringConsent.objects.filter(subscriber__in=subscribers).order_by("recorded_at", "id"):
        latest[consent.subscriber_id] = consent.action
    rows = [(s.subscriber_id, latest.get(s.pk) == "consent") for s in subscribers]
    return {"case": case, "rows": rows}
