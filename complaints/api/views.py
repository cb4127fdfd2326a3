from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import UnsupportedMediaType, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from abusedesk.errors import ApplicationError, PermissionDenied
from abusedesk.pagination import CappedPageNumberPagination
from abusedesk.parsers import json_loads
from abusedesk.replica import replica_reads
from complaints.choices import Channel
from complaints.filters import CaseFilter
from complaints.models import Case
from complaints.selectors import (
    case_get_for_user,
    case_queue_for_user,
    is_desk_user,
    partner_of,
    report_get_for_user,
    report_list_for_user,
)
from complaints.services import report_ingest
from complaints.services.confirmations import case_confirm
from complaints.services.content import report_content, traffic_viewed
from complaints.services.forwarding import case_forward
from complaints.services.triage import report_close

from .serializers import (
    CaseListItemSerializer,
    CaseSerializer,
    ConfirmationRequestSerializer,
    ConfirmationSerializer,
    ContentRequestSerializer,
    ForwardRequestSerializer,
    ForwardSerializer,
    PlainReportSerializer,
    ReattributeRequestSerializer,
    ReportAcceptedSerializer,
    ReportPartnerSerializer,
    ReportStaffListItemSerializer,
    ReportStaffSerializer,
    XarfV4Serializer,
    xarf_v3_errors,
)
from .throttles import PartnerRateThrottle

ACCEPTED_TYPES = ("message/rfc822", "application/json", "application/xarf+json")
JSON_TYPES = ("application/json", "application/xarf+json")


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


def _serializer_for(user):
    return ReportStaffSerializer if is_desk_user(user) else ReportPartnerSerializer


def _read_body(request) -> bytes:
    limit = settings.ABUSEDESK_MAX_REPORT_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(_("report is larger than the limit of %(n)s bytes") % {"n": limit})
    raw = request.body
    if len(raw) > limit:
        raise PayloadTooLarge(_("report is larger than the limit of %(n)s bytes") % {"n": limit})
    if not raw.strip():
        raise ValidationError({"body": [_("the request body is empty")]})
    return raw


def _validate_json(raw: bytes) -> dict | None:
    """Returns the validated short form, or None for an XARF report (kept as received)."""
    data = json_loads(raw)
    if not isinstance(data, dict):
        raise ValidationError({"body": [_("a JSON object is expected")]})
    if "xarf_version" in data:
        XarfV4Serializer(data=data).is_valid(raise_exception=True)
        return None
    if any(key in data for key in ("Version", "ReportClass", "Report", "SourceIp")):
        errors = xarf_v3_errors(data)
        if errors:
            raise ValidationError(errors)
        return None
    form = PlainReportSerializer(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data, source_ip=str(form.validated_data["source_ip"]))


# What a caller gets for a report: a partner the partner fields, desk staff all of them.
REPORT_ANSWER = PolymorphicProxySerializer(
    component_name="ReportAnswer",
    serializers=[ReportPartnerSerializer, ReportStaffSerializer],
    resource_type_field_name=None,
)


class ReportListCreateView(APIView):
    throttle_classes = [PartnerRateThrottle]
    pagination_class = PageNumberPagination  # read by the schema: the list is paginated

    @extend_schema(
        parameters=[OpenApiParameter("status", str, description="Only reports in this status")],
        responses={
            200: PolymorphicProxySerializer(
                component_name="ReportListAnswer",
                serializers=[ReportPartnerSerializer, ReportStaffListItemSerializer],
                resource_type_field_name=None,
                many=True,
            ),
            403: OpenApiResponse(description="Not a partner or desk user"),
        },
        description="Reports visible to the caller: a partner sees its own, desk staff all.",
    )
    def get(self, request):
        reports = report_list_for_user(request.user)
        if request.query_params.get("status"):
            reports = reports.filter(status=request.query_params["status"])
        staff = is_desk_user(request.user)
        if staff:
            reports = reports.prefetch_related("hops")
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(reports, request, view=self)
        serializer = ReportStaffListItemSerializer if staff else ReportPartnerSerializer
        return paginator.get_paginated_response(serializer(page, many=True).data)

    @extend_schema(
        request={
            "message/rfc822": OpenApiTypes.BINARY,
            "application/json": PlainReportSerializer,
            "application/xarf+json": OpenApiTypes.OBJECT,
        },
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                description="The report's URL: GET it for its status",
            ),
        ],
        responses={
            201: OpenApiResponse(REPORT_ANSWER, description="Stored and processed at once (no broker)"),
            202: OpenApiResponse(
                ReportAcceptedSerializer,
                description=(
                    "Stored; processing is queued for the workers. The Location header and `url` "
                    'name the report, whose status stays "received" until it is processed.'
                ),
            ),
            200: OpenApiResponse(REPORT_ANSWER, description="Already received: the same report"),
            400: OpenApiResponse(description="Bad input, with a reason per field"),
            413: OpenApiResponse(description="Larger than the size limit"),
            415: OpenApiResponse(description="Not message/rfc822, application/json or application/xarf+json"),
            429: OpenApiResponse(description="Rate limit of this partner exceeded"),
        },
        description=(
            "File a report: a raw RFC 5322 message (forwarded spam, ARF, X-ARF), an XARF v4 JSON "
            "report, or the short JSON form (source_ip, occurred_at, category, message). With task "
            "workers (a broker configured) the report is stored and answered with 202 and its URL; "
            "without, it is processed at once and answered with 201 and the parsed facts."
        ),
    )
    def post(self, request):
        partner = partner_of(request.user)
        if partner is None and not is_desk_user(request.user):
            raise PermissionDenied(_("only partners and desk staff may file reports"))
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type not in ACCEPTED_TYPES:
            raise UnsupportedMediaType(content_type or "(none)")
        raw = _read_body(request)
        form = _validate_json(raw) if content_type in JSON_TYPES else None
        if form is not None and content_type == "application/xarf+json":
            wanted = _("an XARF report (with xarf_version) is expected for this type")
            raise ValidationError({"body": [wanted]})
        result = report_ingest(
            raw=raw,
            channel=Channel.API,
            content_type=content_type,
            reporter_key=f"partner:{partner.name}" if partner else f"user:{request.user.get_username()}",
            partner=partner,
            submitted_by=None if partner else request.user,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            form=form,
            defer=_processing_deferred(),
        )
        if result.deferred and result.created:
            return _accepted(request, result.report)
        body = _serializer_for(request.user)(result.report).data
        if is_desk_user(request.user) and result.report.attribution:
            # The answer shows the attribution (S2) as the report's GET does: recorded alike,
            # also when the same bytes are filed again and the stored report is answered.
            traffic_viewed(user=request.user, report=result.report, via="api report filed")
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _processing_deferred() -> bool:
    """With a broker the intake workers process reports; without one (`make run`, tasks
    in-process) the request does, and answers with the result."""
    from abusedesk.celery import app

    return not app.conf.task_always_eager


def _accepted(request, report) -> Response:
    """The 202 body (ReportAcceptedSerializer's fields), built directly: every field is
    a plain value already, and this answer is the hot path of the partner API."""
    url = request.build_absolute_uri(reverse("api-report-detail", kwargs={"pk": report.pk}))
    body = {"id": report.pk, "reference": report.reference, "status": str(report.status), "url": url}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class ReportDetailView(generics.GenericAPIView):
    throttle_classes = [PartnerRateThrottle]
    serializer_class = ReportStaffSerializer

    @extend_schema(responses={200: REPORT_ANSWER, 404: OpenApiResponse(description="No such report")})
    def get(self, request, pk: int):
        report = report_get_for_user(request.user, pk)
        if is_desk_user(request.user) and report.attribution:
            traffic_viewed(user=request.user, report=report, via="api report")
        return Response(_serializer_for(request.user)(report).data)


class ReportContentView(APIView):
    """Message content (S1): only by an explicit, logged request with a purpose."""

    @extend_schema(
        request=ContentRequestSerializer,
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="No such report")},
    )
    def post(self, request, pk: int):
        if not request.user.has_perm("abusedesk.view_content"):
            raise PermissionDenied(_("reading complaint content needs the view_content permission"))
        report = report_get_for_user(request.user, pk)
        form = ContentRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        response = Response(
            report_content(report=report, user=request.user, purpose=form.validated_data["purpose"])
        )
        response["Cache-Control"] = "no-store"  # content (S1) must not stay in any cache
        return response


class ReportCloseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=5, max_length=500, help_text="Why the report is closed")


class ReportCloseView(APIView):
    """Close a report in manual triage (nothing to act on), with the reason."""

    @extend_schema(
        request=ReportCloseRequestSerializer,
        responses={
            200: REPORT_ANSWER,
            400: OpenApiResponse(description="No reason given"),
            404: OpenApiResponse(description="No such report"),
            409: OpenApiResponse(description="The report is not in manual triage"),
        },
    )
    def post(self, request, pk: int):
        if not is_desk_user(request.user):
            raise PermissionDenied(_("only desk staff may close a report"))
        report_get_for_user(request.user, pk)
        form = ReportCloseRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = report_close(report_id=pk, actor=request.user, reason=form.validated_data["reason"])
        return Response(_serializer_for(request.user)(report_get_for_user(request.user, report.pk)).data)


class CaseListView(generics.ListAPIView):
    """The triage queue over the API, with the same filters as the browser queue."""

    serializer_class = CaseListItemSerializer
    filterset_class = CaseFilter
    pagination_class = CappedPageNumberPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Case.objects.none()
        return case_queue_for_user(self.request.user)

    def get(self, request, *args, **kwargs):
        with replica_reads():  # only reads: from the replica when one is configured
            return super().get(request, *args, **kwargs)


class CaseDetailView(generics.GenericAPIView):
    serializer_class = CaseSerializer

    @extend_schema(responses={200: CaseSerializer, 404: OpenApiResponse(description="No such case")})
    def get(self, request, pk: int):
        case = case_get_for_user(request.user, pk)
        if case.attribution:
            traffic_viewed(user=request.user, case=case, via="api case")
        return Response(CaseSerializer(case).data)


class CaseConfirmView(APIView):
    """Record what the customer confirmed (a compromised machine) or what staff checked
    (an origin a complainant stated); the case is attributed and evaluated again."""

    @extend_schema(
        request=ConfirmationRequestSerializer,
        responses={
            201: ConfirmationSerializer,
            400: OpenApiResponse(description="Bad input, with a reason per field"),
            404: OpenApiResponse(description="No such case"),
            409: OpenApiResponse(description="The case is closed"),
        },
    )
    def post(self, request, pk: int):
        case = case_get_for_user(request.user, pk)
        form = ConfirmationRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        confirmation = case_confirm(
            case=case,
            kind=form.validated_data["kind"],
            statement=form.validated_data["statement"],
            actor=request.user,
        )
        return Response(ConfirmationSerializer(confirmation).data, status=status.HTTP_201_CREATED)


class CaseForwardView(APIView):
    """Send the case to the responsible network as ARF or XARF, complainant redacted."""

    @extend_schema(
        request=ForwardRequestSerializer,
        responses={
            201: ForwardSerializer,
            400: OpenApiResponse(
                description=(
                    "No contact known, bad input, or the case is ours (code case_is_ours: the spam "
                    "came through our customer's account, relay or hosting, and is not forwarded)"
                )
            ),
            404: OpenApiResponse(description="No such case"),
        },
    )
    def post(self, request, pk: int):
        case = case_get_for_user(request.user, pk)
        form = ForwardRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        forward = case_forward(
            case=case,
            user=request.user,
            fmt=data["format"],
            to=data.get("to"),
            reason=data.get("reason", ""),
            consent=data["consent"],
        )
        forward.refresh_from_db()
        return Response(ForwardSerializer(forward).data, status=status.HTTP_201_CREATED)


class CaseReattributeView(APIView):
    """Recompute the case's attribution from the (corrected) records, with a reason on record."""

    @extend_schema(
        request=ReattributeRequestSerializer,
        responses={
            200: CaseSerializer,
            400: OpenApiResponse(description="No reason given"),
            404: OpenApiResponse(description="No such case"),
        },
    )
    def post(self, request, pk: int):
        from complaints.services.corrections import case_reattribute

        case = case_get_for_user(request.user, pk)
        form = ReattributeRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        case = case_reattribute(case=case, actor=request.user, reason=form.validated_data["reason"])
        return Response(CaseSerializer(case).data)
