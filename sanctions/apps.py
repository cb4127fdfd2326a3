from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "sanctions"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the case_changed listener)
        from .recovery import register

        register()  # instructions and notices left behind are recovered with the rest
