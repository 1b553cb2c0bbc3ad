from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankcollectConfig(AppConfig):
    name = "propdesk.bankcollect"
    label = "bankcollect"
    verbose_name = _("银行托收")
