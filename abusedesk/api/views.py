from drf_spectacular.utils import extend_schema, inline_serializer
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
