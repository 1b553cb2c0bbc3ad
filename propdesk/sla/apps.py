from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "propdesk.sla"
    label = "sla"
    verbose_name = _("服务时限")

    def ready(self) -> None:
        from propdesk.core import configcache
        from propdesk.sla.models import EscalationLevel, SlaPolicy, SlaTarget

        # sla.selectors.policy_for is memoised per process.
        configcache.watch(SlaPolicy, SlaTarget, EscalationLevel)
