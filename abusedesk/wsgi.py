import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
application = get_wsgi_application()

from abusedesk.startup import web_process_ready  # noqa: E402 (needs the settings above)

web_process_ready()
