from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Managers' numbers. Reads complaints and sanctions; nothing imports it."""

    name = "dashboards"
