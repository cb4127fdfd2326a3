from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.choices import TokenScope
from abusedesk.errors import PermissionDenied

from ..choices import Channel
from ..selectors import participant_of
from ..services import exchange_export, exchange_import, screening_run
from .serializers import ImportOutcomeSerializer, ScreeningRequestSerializer, ScreeningResultSerializer


class ScreeningView(APIView):
    """The ISP's own sign-up system asks about one applicant (a screening key only)."""

    token_scopes = (TokenScope.SCREENING,)

    @extend_schema(
        request=ScreeningRequestSerializer,
        responses={
            201: ScreeningResultSerializer,
            400: OpenApiResponse(
                description="No identifier, no purpose, or an identifier that cannot be read"
            ),
            403: OpenApiResponse(description="Not a screening key"),
        },
        description=(
            "Compare an applicant's identifiers with this ISP's intentional L7 terminations and the "
            "forced-termination exchange. The answer is advice, never an automatic refusal; the query "
            "and its purpose are audited, the identifiers are not stored."
        ),
    )
    def post(self, request):
        form = ScreeningRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        query = screening_run(
            identifiers=data,
            purpose=data.pop("purpose"),
            application_ref=data.pop("application_ref", ""),
            actor=request.user,
            channel=Channel.API,
        )
        return Response(ScreeningResultSerializer(query).data, status=status.HTTP_201_CREATED)


def _participant(request):
    participant = participant_of(request.user)
    if participant is None:
        raise PermissionDenied(_("Only ISPs registered in the termination exchange may use it."))
    return participant


class ExchangeEntriesView(APIView):
    """Partner ISPs in the exchange fetch our signed entries and submit theirs."""

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="A signed bundle"),
            403: OpenApiResponse(description="Not a registered exchange participant"),
            503: OpenApiResponse(description="The exchange is not configured here"),
        },
        description="Our current entries and withdrawals as a bundle signed with our Ed25519 key.",
    )
    def get(self, request):
        participant = _participant(request)
        data, _transfer = exchange_export(actor=request.user, channel=Channel.API, participant=participant)
        return HttpResponse(data, content_type="application/json")

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: ImportOutcomeSerializer,
            400: OpenApiResponse(description="Bad signature, unknown sender or a malformed field"),
            403: OpenApiResponse(description="Not a participant, or signed by another ISP"),
            409: OpenApiResponse(description="Older than the last bundle imported from this ISP"),
        },
        description="Submit your signed bundle (entries, withdrawals); verified before anything is kept.",
    )
    def post(self, request):
        participant = _participant(request)
        transfer = exchange_import(
            raw=request.body, actor=request.user, channel=Channel.API, participant=participant
        )
        return Response(ImportOutcomeSerializer(transfer).data)
