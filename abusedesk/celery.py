import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")

app = Celery("abusedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _worker_process_ready(**kwargs):
    """Each pool process, once forked: the collector set as in a web process."""
    from abusedesk.startup import worker_process_ready

    worker_process_ready()


@task_prerun.connect
@task_postrun.connect
def _connections_as_in_a_request(task=None, **kwargs):
    """Before and after each task run by a worker, what Django does around a request:
    close a connection past its CONN_MAX_AGE or left unusable by an error, and have the
    next use check the one kept (CONN_HEALTH_CHECKS). Celery's own fixup now closes
    them only every CELERY_DB_REUSE_MAX tasks (see settings). Tasks run in process
    (no broker) are part of their caller's request or command, and are left alone."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
