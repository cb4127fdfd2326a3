"""Mounted at /screening/ by the project's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.screening_new, name="screening-new"),
    path("<int:pk>/", views.screening_detail, name="screening-detail"),
    path("exchange/", views.exchange_page, name="screening-exchange"),
]
