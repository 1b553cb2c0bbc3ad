"""Metering choices, declared once."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeterKind(models.TextChoices):
    WATER = "water", _("水表")
    ELECTRICITY = "electricity", _("电表")
    GAS = "gas", _("燃气表")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("抄表中")
    CLOSED = "closed", _("已结束")


class ReadingPurpose(models.TextChoices):
    ROUND = "round", _("月度抄表")
    CUSTODY_START = "custody_start", _("托管起始读数")  # MOV-6: meter readings at the start of custody


class ReadingStatus(models.TextChoices):
    """A reading without an anomaly is confirmed as it is entered; one with an anomaly is
    held until a supervisor confirms (or rejects) it — a held reading is never billed."""

    HELD = "held", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已退回")


READING_STATUS_COLOURS = {
    ReadingStatus.HELD: "#ffb74d",
    ReadingStatus.CONFIRMED: "#81c784",
    ReadingStatus.REJECTED: "#e57373",
}

# MOV-6: during custody, more than 5 units of water or 20 units of electricity is an
# anomaly (the seed's numbers: 水表不超过5º, 电表不超过20º). Gas has no limit in the rule.
CUSTODY_LIMITS: dict[str, Decimal] = {MeterKind.WATER: Decimal(5), MeterKind.ELECTRICITY: Decimal(20)}
# FEE-1 metered items: a usage more than this many times the usual one is an anomaly.
SPIKE_FACTOR = Decimal(3)
# The usual usage: the mean of this many last confirmed usages.
SPIKE_HISTORY = 3
