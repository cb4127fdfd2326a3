"""One way to report errors: ApplicationError in services, one JSON shape in the API.

API errors look like {"detail": "...", "code": "...", "fields": {"name": ["reason"]}}.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is busy or away (503).
DATABASE_BUSY_RETRY_AFTER = 5


class ApplicationError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class PermissionDenied(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
            else:
                out[key] = [str(value)]
        return out
    return {}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.fields:
            body["fields"] = exc.fields
        return Response(body, status=exc.status_code)
    if isinstance(exc, OperationalError):
        # The database stayed locked past its timeout (SQLite under many writers) or
        # could not be reached: a condition that passes, not a bug in the request. The
        # request's transaction is rolled back; the client is told to try again.
        logger.error("database busy or unreachable: answered 503", exc_info=exc)
        set_rollback()
        response = Response(
            {"detail": "The database is busy or unreachable. Try again shortly.", "code": "database_busy"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(DATABASE_BUSY_RETRY_AFTER)
        return response
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        fields = _flatten(exc.detail)
        general = fields.pop("non_field_errors", None)
        response.data = {
            "detail": general[0] if general else "Invalid input.",
            "code": "invalid",
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, list):
            detail = " ".join(str(d) for d in detail)
        response.data = {"detail": str(detail), "code": getattr(detail, "code", None) or exc.default_code}
    return response
