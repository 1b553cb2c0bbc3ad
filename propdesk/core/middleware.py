"""When the database is unreachable, answer 503 with a Chinese message, not a traceback."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext as _


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) and "locked" not in str(exception):
            message = _("系统暂时无法连接数据库，请稍后重试。")
            return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8", headers={"Retry-After": "5"})
        return None
