from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accesses/", views.access_review, name="access-review"),
    path("<slug:slug>.csv", views.export_csv, name="dashboard-csv"),
]
