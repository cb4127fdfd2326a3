from celery import shared_task

from .services import exchange_expire


@shared_task(name="screening.tasks.expire_exchange_entries")
def expire_exchange_entries() -> int:
    """Received entries past their expiry lose their hashes (idempotent; beat runs it hourly)."""
    return exchange_expire()
