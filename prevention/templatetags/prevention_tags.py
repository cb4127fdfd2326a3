from django import template

register = template.Library()


@register.inclusion_tag("prevention/_case_filtering.html")
def case_filtering(case):
    """The case's subscribers with their opt-in filtering state, for the case page.

    Only where our customers received the spam: on a case that accuses our customer of
    sending, relaying or hosting it, filtering is not what anybody is asking for."""
    if set(case.roles or ()) & {"sending", "relay", "hosting"}:
        return {"case": case, "shown": False}
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
    return {"case": case, "rows": rows, "shown": True}
