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


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none of its own.

    Pages show hostile text (spam subjects, sender names, file names): escaping is
    the first line, and this policy is the second: no inline script or style, and
    nothing loaded from elsewhere, so an escaping slip cannot run or fetch anything.
    A view with other needs sets its own header (the content viewer, the API docs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
