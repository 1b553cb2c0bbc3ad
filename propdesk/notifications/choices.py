"""Notification choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    NORMAL = "normal", _("普通")
    URGENT = "urgent", _("紧急")


class DeliveryChannel(models.TextChoices):
    """Where a message goes. In-app is always one of them: the notification row is the inbox."""

    IN_APP = "in_app", _("站内")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")  # claimed by a worker; back to pending if it stalls
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")  # channel disabled, or the recipient has no address


# Statuses that end a delivery.
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
