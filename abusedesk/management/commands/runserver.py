"""`make run`'s server: Django's development server (serving static files as usual) with a
listen backlog that holds a burst of parallel partner reports.

Django's server accepts a queue of only 10 connections; the 11th of a burst of parallel
reports is reset by the kernel before the desk ever sees it, which for a partner is a
report lost. The queue is raised to what the kernel allows (net.core.somaxconn)."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.servers.basehttp import WSGIServer


class DeskWSGIServer(WSGIServer):
    request_queue_size = 1024


class Command(StaticRunserver):
    server_cls = DeskWSGIServer
