from django.urls import path

from . import views

urlpatterns = [
    path("", views.policy_index, name="policies-index"),
    path("rules/<str:key>/edit/", views.rule_edit, name="policies-rule-edit"),
    path("settings/edit/", views.criteria_settings_edit, name="policies-settings-edit"),
    path("versions/", views.version_list, name="policies-versions"),
    path("versions/<int:version>/", views.version_detail, name="policies-version-detail"),
    path("clauses/<str:catalogue_id>/edit/", views.clause_edit_view, name="policies-clause-edit"),
]
