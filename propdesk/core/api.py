"""API plumbing shared by every app: errors as {code, message, field}."""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from propdesk.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        field, messages = next(iter(response.data.items()), (None, [""]))
        message = messages[0] if isinstance(messages, list) and messages else str(messages)
        response.data = {"code": "invalid", "message": str(message), "field": field, "errors": response.data}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"code": getattr(exc, "default_code", "error"), "message": str(response.data["detail"]), "field": None}
    return response
