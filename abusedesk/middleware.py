import zoneinfo

from django.utils import timezone, translation

from abusedesk.afterresponse import after_response


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


class RecoveryCheckMiddleware:
    """Without beat, requests are the clock: after a response, at most once a minute
    (settings.ABUSEDESK_RECOVERY_CHECK_SECONDS, shared through the cache), hand work
    left behind (reports never processed, mail never sent) to its task again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 500:
            from complaints.services.recovery import recovery_if_due

            # After the last byte has gone out: the sweep (up to a batch of reports
            # processed again) never holds up the page that happened to trigger it.
            if not after_response(recovery_if_due):
                recovery_if_due()
        return response
