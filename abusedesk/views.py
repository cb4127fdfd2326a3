import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .models import UserPreference


@require_GET
def healthz(request):
    """Liveness and database reachability, for the container health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks"))] + list(settings.LANGUAGES)
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [
            ("", _("The desk's time zone (%(tz)s)") % {"tz": settings.TIME_ZONE})
        ] + [(z, z) for z in zones]


@login_required
def preferences(request):
    pref, _created = UserPreference.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            pref.language = form.cleaned_data["language"]
            pref.time_zone = form.cleaned_data["time_zone"]
            pref.save()
            if pref.language:
                translation.activate(pref.language)
            messages.success(request, _("Preferences saved."))
            response = redirect("preferences")
            if pref.language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, pref.language, samesite="Lax")
            return response
    else:
        form = PreferenceForm(initial={"language": pref.language, "time_zone": pref.time_zone})
    return render(request, "preferences.html", {"form": form, "now": timezone.now()})


def switch_language(request):
    """The top bar's language switch (Django's set_language), kept by a signed-in person
    who saved a language: the saved one would otherwise win on the next page and the
    switch would do nothing. Someone without a saved language keeps following the
    browser, with the switch's cookie, as before."""
    from django.utils.translation import check_for_language
    from django.views.i18n import set_language

    response = set_language(request)
    chosen = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and check_for_language(chosen):
        UserPreference.objects.filter(user=request.user).exclude(language="").update(language=chosen)
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/v1/")


def not_found(request, exception=None):
    """404: the API answers in its one error shape (JSON), pages with the desk's page."""
    if _is_api(request):
        detail = str(_("no such API path: %(path)s")) % {"path": request.path[:200]}
        return JsonResponse({"detail": detail, "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    """500: the API answers JSON (a client parses it), pages with the desk's page."""
    if _is_api(request):
        detail = str(_("server error: the request was not completed; try again later"))
        return JsonResponse({"detail": detail, "code": "server_error"}, status=500)
    from django.views.defaults import server_error as page_server_error

    return page_server_error(request)
