"""The sanctions API: one view per workflow action, each calling a service."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.errors import ApplicationError, NotFound
from complaints.selectors import case_get_for_user
from subscribers.models import Account

from ..selectors import sanction_get_for_user
from ..services import (
    execution_confirm,
    hearing_answer_record,
    sanction_emergency_execute,
    sanction_propose,
    sanction_revise,
    sanction_transition,
)
from .serializers import (
    ConfirmRequestSerializer,
    EmergencyRequestSerializer,
    HearingAnswerRequestSerializer,
    HearingAnswerSerializer,
    ProposeSerializer,
    ReviseSerializer,
    SanctionSerializer,
    TransitionRequestSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Bad input or a broken rule, with a reason per field"),
    403: OpenApiResponse(description="Not allowed (four eyes, manager required)"),
    404: OpenApiResponse(description="No such sanction or case"),
}


def _output(sanction_id: int, user) -> dict:
    return SanctionSerializer(sanction_get_for_user(user, sanction_id)).data


class SanctionProposeView(APIView):
    @extend_schema(request=ProposeSerializer, responses={201: SanctionSerializer, **ERRORS})
    def post(self, request):
        form = ProposeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = case_get_for_user(request.user, data.pop("case"))
        account_id = data.pop("account", "") or ""
        account = Account.objects.filter(account_id=account_id).first() if account_id else None
        if account_id and account is None:
            raise ApplicationError(
                f"no account {account_id}", fields={"account": [f"no account {account_id}"]}
            )
        sanction = sanction_propose(case=case, account=account, proposer=request.user, **data)
        return Response(_output(sanction.pk, request.user), status=status.HTTP_201_CREATED)


class SanctionDetailView(APIView):
    @extend_schema(responses={200: SanctionSerializer, 404: ERRORS[404]})
    def get(self, request, pk: int):
        return Response(_output(pk, request.user))


class SanctionTransitionView(APIView):
    @extend_schema(
        request=TransitionRequestSerializer,
        responses={
            200: SanctionSerializer,
            409: OpenApiResponse(description="Already decided, or not open"),
            **ERRORS,
        },
    )
    def post(self, request, pk: int):
        sanction_get_for_user(request.user, pk)
        form = TransitionRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sanction_transition(sanction_id=pk, actor=request.user, **form.validated_data)
        return Response(_output(pk, request.user))


class SanctionReviseView(APIView):
    """The proposer revises a proposal sent back for more evidence; it goes back to review."""

    @extend_schema(
        request=ReviseSerializer,
        responses={
            200: SanctionSerializer,
            409: OpenApiResponse(description="Not waiting for a revision"),
            **ERRORS,
        },
    )
    def post(self, request, pk: int):
        sanction_get_for_user(request.user, pk)
        form = ReviseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sanction_revise(sanction_id=pk, actor=request.user, **form.validated_data)
        return Response(_output(pk, request.user))


class HearingAnswerView(APIView):
    @extend_schema(request=HearingAnswerRequestSerializer, responses={201: HearingAnswerSerializer, **ERRORS})
    def post(self, request, pk: int):
        sanction_get_for_user(request.user, pk)
        form = HearingAnswerRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answer = hearing_answer_record(sanction_id=pk, actor=request.user, **form.validated_data)
        return Response(HearingAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class SanctionEmergencyView(APIView):
    """C-09: carry out an emergency proposal before approval (checks.py says when)."""

    @extend_schema(
        request=EmergencyRequestSerializer,
        responses={
            200: SanctionSerializer,
            409: OpenApiResponse(description="Not an emergency proposal"),
            **ERRORS,
        },
    )
    def post(self, request, pk: int):
        sanction_get_for_user(request.user, pk)
        form = EmergencyRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sanction_emergency_execute(sanction_id=pk, actor=request.user, **form.validated_data)
        return Response(_output(pk, request.user))


class ExecutionConfirmView(APIView):
    """A person confirms that an instruction was carried out (manual executor, or a failed webhook)."""

    @extend_schema(
        request=ConfirmRequestSerializer,
        responses={200: SanctionSerializer, 409: OpenApiResponse(description="Already confirmed"), **ERRORS},
    )
    def post(self, request, pk: int, execution_id: int):
        sanction = sanction_get_for_user(request.user, pk)
        form = ConfirmRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        execution = sanction.executions.filter(pk=execution_id).first()
        if execution is None:
            raise NotFound(f"no execution {execution_id} for sanction {pk}")
        execution_confirm(execution_id=execution.pk, actor=request.user, note=form.validated_data["note"])
        return Response(_output(pk, request.user))
