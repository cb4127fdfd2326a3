"""`make run`'s server: Django's development server (serving static files as usual) that
holds a burst of parallel partner reports.

- Django's server accepts a queue of only 10 connections; the 11th of a burst of
  parallel reports is reset by the kernel before the desk ever sees it, which for a
  partner is a report lost. The queue is raised to what the kernel allows.
- Each request runs in a thread of its own, so a persistent database connection
  (CONN_MAX_AGE, on for PostgreSQL) would outlive its request in a dead thread until
  garbage collection; a burst then exhausted PostgreSQL's connections ("too many
  clients already"). Each request's connections are closed when it ends, as Django's
  own threaded test server does.
"""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.servers.basehttp import WSGIServer
from django.db import connections


class DeskWSGIServer(WSGIServer):
    request_queue_size = 1024

    def close_request(self, request):
        # Called in the request's own thread (socketserver.ThreadingMixIn).
        connections.close_all()
        super().close_request(request)


class Command(StaticRunserver):
    server_cls = DeskWSGIServer
