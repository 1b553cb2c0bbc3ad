"""Notifications and their deliveries: every message, per channel, with its outcome.

A `Notification` is one message to one user; the row itself is that user's in-app inbox
entry. Each channel it goes out on (in-app always; SMS and WeChat when asked) has one
`Delivery` row recording the address used, the attempts, the provider's message id or
the error, and the final status. Rows are written through `notifications.services` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.masking import mask_phone
from propdesk.notifications.choices import DeliveryChannel, DeliveryStatus, Severity


class Notification(models.Model):
    """One message to one user. `dedupe_key`, when set, is unique per recipient, so the
    same alert (one per SLA clock × escalation level, say) is never sent twice;
    `not_before` defers the whole message — inbox and every channel — until then."""

    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("项目"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类别"), max_length=64, help_text=_("如 ticket.escalated"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    severity = models.CharField(_("紧急程度"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, blank=True, default="")
    not_before = models.DateTimeField(_("最早发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The bell's unread count: only unread rows are indexed, so it stays small.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def is_urgent(self) -> bool:
        return self.severity == Severity.URGENT


class Delivery(models.Model):
    """One notification on one channel: its address, attempts and outcome."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知"))
    channel = models.CharField(_("渠道"), max_length=10, choices=DeliveryChannel.choices)
    address = models.CharField(_("地址"), max_length=128, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("最近一次发送时间"), null=True, blank=True)
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=128, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel")]
        # The sweep: pending rows whose time has come, and claimed rows that stalled.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_status_display()}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)


def mask_address(channel: str, address: str) -> str:
    """Phones as 138****5678; WeChat openids keep four characters at each end."""
    if not address:
        return ""
    if channel == DeliveryChannel.SMS:
        return mask_phone(address)
    if len(address) > 8:
        return f"{address[:4]}****{address[-4:]}"
    return "****"


# Channels whose address is kept here (SMS goes to `User.mobile`).
ADDRESS_CHANNELS = [(DeliveryChannel.WECHAT.value, DeliveryChannel.WECHAT.label)]


class ChannelAddress(models.Model):
    """A user's address on a channel that the user model has no field for (the WeChat
    openid of the service account). SMS goes to `User.mobile`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_addresses", verbose_name=_("用户")
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=ADDRESS_CHANNELS, default=DeliveryChannel.WECHAT.value)
    address = models.CharField(_("地址"), max_length=128)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接收地址")
        verbose_name_plural = _("接收地址")
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="channel_address_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()} · {mask_address(self.channel, self.address)}"
