from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "propdesk.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core import checks

        from propdesk.core.checks import check_calendar_coverage

        checks.register(check_calendar_coverage, "propdesk")
