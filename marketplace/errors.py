"""Domain errors and the one error shape every API failure uses.

Services raise ``ApplicationError`` (or a subclass) with a message a person can act on. The API
turns it, and every DRF exception, into::

    {"error": {"code": "not_found", "message": "Not found.", "details": {...}}}

``details`` maps a field (or a row index) to a list of reasons, and is empty when there are none.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = "invalid"


class NotFound(ApplicationError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND


class Forbidden(ApplicationError):
    code = "permission_denied"
    http_status = status.HTTP_403_FORBIDDEN


class Conflict(ApplicationError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


def _details(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {str(key): _details_value(value) for key, value in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": _details_value(data)}
    return {}


def _details_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _details_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_details_value(item) for item in value]
    return str(value)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        message = "The request is invalid; see details for each field."
        details = _details(exc.detail)
        code = "invalid"
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        details = {}
    response.data = error_body(code, message, details)
    return response
