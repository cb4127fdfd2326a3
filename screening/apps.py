from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self):
        # Fail at start-up, naming the variable, rather than at the first export.
        from .conf import check_settings

        check_settings()
