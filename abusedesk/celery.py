import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")

app = Celery("abusedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _worker_process_ready(**kwargs):
    """Each pool process, once forked: the collector set as in a web process."""
    from abusedesk.startup import worker_process_ready

    worker_process_ready()
