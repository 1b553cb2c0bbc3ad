from django.db import models
from django.utils.translation import gettext_lazy as _


class FactSubject(models.TextChoices):
    """What a daily fact row counts, and by which of its times it falls on its day."""

    CONTACT = "contact", _("来电来访")  # received_at
    TICKET = "ticket", _("工单")  # created_at
    CLOCK = "clock", _("服务时限")  # deadline_at
    VISIT = "visit", _("回访")  # due_at
    PAID_REPAIR = "paid", _("有偿维修")  # work_order.completed_at
