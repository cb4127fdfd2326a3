from django.urls import path

from . import views

urlpatterns = [
    path("", views.filtering_find, name="filtering-find"),
    path("<str:subscriber_id>/", views.filtering_detail, name="filtering-detail"),
    path(
        "<str:subscriber_id>/instructions/<int:instruction_id>/confirm/",
        views.filtering_instruction_confirm,
        name="filtering-instruction-confirm",
    ),
]
