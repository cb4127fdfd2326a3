import zoneinfo

from django.utils import timezone, translation


class UserPreferenceMiddleware:
    """Show each signed-in person the desk in their own language and time zone.

    Runs after authentication; a saved language overrides the browser's, a
    saved zone the site's TIME_ZONE. Storage stays UTC either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pref = None
        if request.user.is_authenticated:
            pref = getattr(request.user, "preference", None)
        if pref and pref.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(pref.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        if pref and pref.language:
            translation.activate(pref.language)
            request.LANGUAGE_CODE = pref.language
        return self.get_response(request)
