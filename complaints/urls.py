from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_new, name="report-new"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/close/", views.report_close_view, name="report-close"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/bulk/", views.case_bulk, name="case-bulk"),
    path("cases/filters/", views.saved_filter_save, name="saved-filter-save"),
    path("cases/filters/<int:pk>/delete/", views.saved_filter_delete, name="saved-filter-delete"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/action/", views.case_action_view, name="case-action"),
    path("cases/<int:pk>/forward/", views.case_forward_view, name="case-forward"),
    path("cases/<int:pk>/reply/", views.case_reply_view, name="case-reply"),
    path("cases/<int:pk>/forwards/<int:forward_pk>/retry/", views.forward_retry_view, name="forward-retry"),
    path("cases/<int:pk>/replies/<int:reply_pk>/retry/", views.reply_retry_view, name="reply-retry"),
    path("cases/<int:pk>/confirm/", views.case_confirm_view, name="case-confirm"),
    path("reports/<int:pk>/content/", views.report_show_content, name="report-content"),
]
