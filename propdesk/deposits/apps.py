from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "propdesk.deposits"
    label = "deposits"
    verbose_name = _("押金")
