from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AbusedeskConfig(AppConfig):
    name = "abusedesk"
    verbose_name = "Abuse desk"

    def ready(self):
        from . import oddtimes, roles

        oddtimes.install()  # an odd stored time never breaks a page or an API answer

        # Groups need the permissions, which Django creates in post_migrate;
        # syncing them there keeps every fresh database (tests included) usable.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
