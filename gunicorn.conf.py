"""gunicorn's settings for the web container (read from the working directory at start-up).

gunicorn always sends "Server: gunicorn": it names the software and version to
anyone who asks, and no setting turns it off. Its responses are built by
gunicorn.http.wsgi.Response.default_headers; drop that one line there.
"""

import os

from gunicorn.http import wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"

_default_headers = wsgi.Response.default_headers


def _without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server
