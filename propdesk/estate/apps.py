from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstateConfig(AppConfig):
    name = "propdesk.estate"
    label = "estate"
    verbose_name = _("物业资源")

    def ready(self) -> None:
        from propdesk.estate import house_sections  # noqa: F401  registers house-page sections
