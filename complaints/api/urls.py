from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportListCreateView.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/content/", views.ReportContentView.as_view(), name="api-report-content"),
    path("reports/<int:pk>/close/", views.ReportCloseView.as_view(), name="api-report-close"),
    path("cases/", views.CaseListView.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/forward/", views.CaseForwardView.as_view(), name="api-case-forward"),
    path("cases/<int:pk>/confirmations/", views.CaseConfirmView.as_view(), name="api-case-confirm"),
    path("cases/<int:pk>/reattribute/", views.CaseReattributeView.as_view(), name="api-case-reattribute"),
]
