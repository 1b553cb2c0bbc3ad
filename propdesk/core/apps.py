from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "propdesk.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core import checks

        from propdesk.core import configcache
        from propdesk.core.checks import check_calendar_coverage
        from propdesk.core.models import BusinessCalendar, CalendarException, ExceptionWindow, WorkingWindow

        checks.register(check_calendar_coverage, "propdesk")
        # WorkingCalendar.for_project / .load are memoised per process.
        configcache.watch(BusinessCalendar, WorkingWindow, CalendarException, ExceptionWindow)
