from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "propdesk.desk"
    label = "desk"
    verbose_name = _("服务台")

    def ready(self) -> None:
        from propdesk.desk import house_sections  # noqa: F401  registers the house-page section
