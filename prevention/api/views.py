"""Opt-in filtering over the API: record a consent or a withdrawal; read the state."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.errors import NotFound, PermissionDenied
from complaints.selectors import case_get_for_user
from subscribers.models import Subscriber

from ..choices import FilteringAction
from ..selectors import filtering_history
from ..services.filtering import filtering_consent_record
from .serializers import ConsentRequestSerializer, ConsentSerializer, FilteringStateSerializer

ERRORS = {
    400: OpenApiResponse(description="Bad input, with a reason per field"),
    403: OpenApiResponse(description="Not desk staff"),
    404: OpenApiResponse(description="No such subscriber or case"),
    409: OpenApiResponse(description="Already consented, or nothing to withdraw"),
}


def _subscriber_for(user, subscriber_id: str) -> Subscriber:
    # S4 contract data: the desk only. Everybody else learns nothing, not even existence.
    if not user.has_perm("abusedesk.work_desk"):
        raise NotFound(f"no subscriber {subscriber_id}")
    subscriber = Subscriber.objects.filter(subscriber_id=subscriber_id).first()
    if subscriber is None:
        raise NotFound(f"no subscriber {subscriber_id}")
    return subscriber


class FilteringConsentView(APIView):
    @extend_schema(request=ConsentRequestSerializer, responses={201: ConsentSerializer, **ERRORS})
    def post(self, request):
        form = ConsentRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        subscriber = _subscriber_for(request.user, data.pop("subscriber"))
        case_id = data.pop("case", None)
        case = case_get_for_user(request.user, case_id) if case_id else None
        if not request.user.has_perm("abusedesk.work_desk"):
            raise PermissionDenied("desk staff only")
        consent = filtering_consent_record(subscriber=subscriber, case=case, recorder=request.user, **data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class FilteringStateView(APIView):
    @extend_schema(responses={200: FilteringStateSerializer, 404: ERRORS[404]})
    def get(self, request, subscriber_id: str):
        subscriber = _subscriber_for(request.user, subscriber_id)
        history = list(filtering_history(subscriber)[:100])
        return Response(
            FilteringStateSerializer(
                {
                    "subscriber": subscriber.subscriber_id,
                    "filtering": bool(history) and history[0].action == FilteringAction.CONSENT,
                    "history": history,
                }
            ).data
        )
