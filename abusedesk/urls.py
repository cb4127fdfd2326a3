from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dashboards.views import find, home

from . import views
from .api.views import ApiDocsView, WhoAmIView

urlpatterns = [
    path("", home, name="home"),
    path("find/", find, name="find"),
    path("healthz", views.healthz, name="healthz"),
    path("preferences/", views.preferences, name="preferences"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("complaints.urls")),
    path("policies/", include("policies.urls")),
    path("sanctions/", include("sanctions.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("screening/", include("screening.urls")),
    path("i18n/switch/", views.switch_language, name="switch_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("complaints.api.urls")),
    path("api/v1/", include("sanctions.api.urls")),
    path("api/v1/", include("screening.api.urls")),
    path("api/v1/", include("prevention.api.urls")),
    path("filtering/", include("prevention.urls")),
    path("api/v1/whoami/", WhoAmIView.as_view(), name="api-whoami"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI only: ReDoc's page loads fonts from a CDN and runs an inline script.
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# The API answers unknown paths (e.g. /api/v1/cases/-1/) and server errors in its JSON shape.
handler404 = "abusedesk.views.not_found"
handler500 = "abusedesk.views.server_error"
