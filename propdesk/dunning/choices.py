"""Dunning choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepKind(models.TextChoices):
    """A rung of the dunning ladder (FEE-7), in ladder order."""

    PHONE = "phone", _("电话提醒")
    SMS = "sms", _("短信提醒")
    LETTER = "letter", _("催缴函")
    VISIT = "visit", _("上门催缴")
    LEGAL = "legal", _("移交法务")


# The reminders that start the three months before a demand letter (FEE-7).
REMINDERS = frozenset({StepKind.PHONE, StepKind.SMS})
# Ladder stage of each kind: a stage may be recorded once the one before it has been.
STAGE = {StepKind.PHONE: 1, StepKind.SMS: 1, StepKind.LETTER: 2, StepKind.VISIT: 3, StepKind.LEGAL: 4}


class CaseStatus(models.TextChoices):
    OPEN = "open", _("催缴中")
    CLOSED = "closed", _("已结清")


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("待兑现")
    KEPT = "kept", _("已兑现")
    BROKEN = "broken", _("未兑现")


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", _("未到期")
    PAID = "paid", _("已按期缴")
    LATE = "late", _("逾期未缴")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("执行中")
    SUPERSEDED = "superseded", _("已被新计划取代")
