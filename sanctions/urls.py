from django.urls import path

from . import views

urlpatterns = [
    path("review/", views.review_queue_view, name="sanction-review-queue"),
    path("cases/<int:case_id>/propose/", views.sanction_propose_view, name="sanction-propose"),
    path("cases/<int:case_id>/dossier/", views.dossier_view, name="sanction-dossier"),
    path("cases/<int:case_id>/dossier.pdf", views.dossier_pdf_view, name="sanction-dossier-pdf"),
    path("<int:pk>/", views.sanction_detail_view, name="sanction-detail"),
    path("<int:pk>/transition/", views.sanction_transition_view, name="sanction-transition"),
    path("<int:pk>/emergency/", views.sanction_emergency_view, name="sanction-emergency"),
    path("<int:pk>/revise/", views.sanction_revise_view, name="sanction-revise"),
    path(
        "<int:pk>/executions/<int:execution_id>/confirm/",
        views.execution_confirm_view,
        name="sanction-execution-confirm",
    ),
    path("<int:pk>/hearing-answers/", views.hearing_answer_view, name="sanction-hearing-answer"),
    path("<int:pk>/notices/<int:notice_pk>/retry/", views.notice_retry_view, name="notice-retry"),
]
