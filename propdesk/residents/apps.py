from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "propdesk.residents"
    label = "residents"
    verbose_name = _("住户与档案")

    def ready(self) -> None:
        from propdesk.residents import house_sections  # noqa: F401  registers house-page sections
