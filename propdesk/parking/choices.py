"""Parking choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CardStatus(models.TextChoices):
    ISSUED = "issued", _("使用中")
    RETURNED = "returned", _("已退卡")
    LOST = "lost", _("已挂失")
