"""Mounted under /api/v1/ by the project's urls: path("api/v1/", include("sanctions.api.urls"))."""

from django.urls import path

from . import views

urlpatterns = [
    path("sanctions/", views.SanctionProposeView.as_view(), name="api-sanction-propose"),
    path("sanctions/<int:pk>/", views.SanctionDetailView.as_view(), name="api-sanction-detail"),
    path(
        "sanctions/<int:pk>/transition/",
        views.SanctionTransitionView.as_view(),
        name="api-sanction-transition",
    ),
    path("sanctions/<int:pk>/revise/", views.SanctionReviseView.as_view(), name="api-sanction-revise"),
    path(
        "sanctions/<int:pk>/emergency/", views.SanctionEmergencyView.as_view(), name="api-sanction-emergency"
    ),
    path(
        "sanctions/<int:pk>/executions/<int:execution_id>/confirm/",
        views.ExecutionConfirmView.as_view(),
        name="api-sanction-execution-confirm",
    ),
    path(
        "sanctions/<int:pk>/hearing-answers/",
        views.HearingAnswerView.as_view(),
        name="api-sanction-hearing-answer",
    ),
]
