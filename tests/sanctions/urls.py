"""The project's URLs plus the sanctions API, mounted as the project will mount it."""

from django.urls import include, path

from abusedesk.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("api/v1/", include("sanctions.api.urls"))]
