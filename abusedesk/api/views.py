from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.roles import user_role


class WhoAmIView(APIView):
    """Who the token belongs to: lets a client check its key."""

    @extend_schema(
        responses=inline_serializer(
            "WhoAmI", {"username": serializers.CharField(), "role": serializers.CharField(allow_null=True)}
        )
    )
    def get(self, request):
        role = user_role(request.user)
        if role is None and hasattr(request.user, "partner"):
            role = "partner"
        return Response({"username": request.user.get_username(), "role": role})


def _vendor_style_hashes(template_name: str) -> list[str]:
    """CSP hashes of the inline <style> blocks of a vendored template, read from its file.

    The file is the package's own (not a response, which could carry injected
    text), so hashing it allows exactly that style and nothing else.
    """
    import base64
    import hashlib
    import re

    from django.template.loader import get_template

    source = get_template(template_name).template.source
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in re.findall(r"<style>(.*?)</style>", source, flags=re.S)
    ]


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI served from the project (sidecar), its start-up script as a file, no inline script."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        from django.conf import settings

        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:
            hashes = " ".join(_vendor_style_hashes(self.template_name))
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
                "style-src 'self'", f"style-src 'self' {hashes}"
            )
        return response
