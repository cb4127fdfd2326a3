"""Mounted under /api/v1/ by the project's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("screening/", views.ScreeningView.as_view(), name="api-screening"),
    path("exchange/entries/", views.ExchangeEntriesView.as_view(), name="api-exchange-entries"),
]
