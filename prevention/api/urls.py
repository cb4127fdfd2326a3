"""Mounted under /api/v1/ by the project's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("filtering/consents/", views.FilteringConsentView.as_view(), name="api-filtering-consent"),
    path("filtering/<str:subscriber_id>/", views.FilteringStateView.as_view(), name="api-filtering-state"),
]
