import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
application = get_asgi_application()

from abusedesk.startup import web_process_ready  # noqa: E402 (needs the settings above)

web_process_ready()
