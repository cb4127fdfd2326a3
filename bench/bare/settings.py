"""The floor for the intake benchmark: Django REST framework inserting one 2 KB row.

A tiny project of its own (run with cwd bench/bare, DJANGO_SETTINGS_MODULE=settings),
on its own PostgreSQL database, with the same server, token authentication and
connection settings as the desk. Never imported by the project.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework.authtoken",
    "rows",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BARE_DATABASE_NAME"],
        "USER": os.environ.get("BARE_DATABASE_USER", "root"),
        "HOST": os.environ.get("BARE_DATABASE_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BARE_DATABASE_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
LOGGING = {"version": 1, "root": {"level": "WARNING"}}
