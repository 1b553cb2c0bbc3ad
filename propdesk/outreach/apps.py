from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "propdesk.outreach"
    label = "outreach"
    verbose_name = _("客户走访与关怀")

    def ready(self) -> None:
        from propdesk.outreach import house_sections  # noqa: F401  registers the house-page section
