"""The sanctions app's settings, read when used (never at import), with their defaults.

The project's settings module may define any of these from the environment;
`.env.example` documents them.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "ABUSEDESK_EXECUTOR": "manual",  # "manual" or "webhook"
    "ABUSEDESK_EXECUTOR_URL": "",  # the ISP's provisioning endpoint, for "webhook"
    "ABUSEDESK_EXECUTOR_SECRET": "",  # shared HMAC-SHA256 key, for "webhook"
    "ABUSEDESK_EXECUTOR_TIMEOUT": 10,  # seconds per webhook request
    "ABUSEDESK_EXECUTOR_MAX_RETRIES": 6,
    "ABUSEDESK_EMERGENCY_REVIEW_HOURS": 24,  # POLICY.md: reviewed within 24 h (default)
    "ABUSEDESK_EMERGENCY_NOTIFY_HOURS": 24,  # POLICY.md: notified within 24 h (default)
    "ABUSEDESK_MEASURE_REVIEW_DAYS": 30,  # review date of a restriction without a period
    "ABUSEDESK_HEARING_DAYS": 14,  # the customer's time to answer a notice or hearing
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
