from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "prevention"
    verbose_name = "Prevention"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (runs the volume detection after a mail-log import)
