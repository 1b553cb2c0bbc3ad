"""Channels: where a notification goes. Each is an adapter with one job — send one
`Delivery` and say what happened (`ChannelResult`); recording the outcome, retries and
claims are the services' business.

- `InAppChannel`: always; the notification row is the inbox, so sending is immediate.
- `SmsChannel`: to `User.mobile`, through the backend named by `NOTIFY_SMS_BACKEND`.
- `WeChatChannel`: template messages to the user's openid (`ChannelAddress`), through
  the backend named by `NOTIFY_WECHAT_BACKEND`.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from propdesk.notifications import backends
from propdesk.notifications.choices import DeliveryChannel, DeliveryStatus, Severity

logger = logging.getLogger("propdesk.notifications")
ERROR_MAX_CHARS = 1000


@dataclass(frozen=True)
class ChannelResult:
    """The outcome of one attempt: sent (with the provider's id), skipped, or failed —
    and then whether trying again later may help."""

    status: DeliveryStatus
    provider_message_id: str = ""
    error: str = ""
    retry: bool = False

    @classmethod
    def sent(cls, provider_message_id: str = "") -> ChannelResult:
        return cls(DeliveryStatus.SENT, provider_message_id=provider_message_id or "")

    @classmethod
    def skipped(cls, reason: str) -> ChannelResult:
        return cls(DeliveryStatus.SKIPPED, error=reason)

    @classmethod
    def failed(cls, error: str, *, retry: bool) -> ChannelResult:
        return cls(DeliveryStatus.FAILED, error=error[:ERROR_MAX_CHARS], retry=retry)


class Channel(abc.ABC):
    """A channel adapter."""

    code: DeliveryChannel

    def addresses(self, users: Iterable) -> dict[int, str]:
        """{user id: address on this channel} — "" where the user has none."""
        return {user.pk: "" for user in users}

    def missing_address(self) -> str:
        """Why a delivery to a user without an address is skipped."""
        return _("未登记接收地址")

    @abc.abstractmethod
    def send(self, delivery) -> ChannelResult:
        """Send one delivery (its notification loaded) and say what happened."""


class InAppChannel(Channel):
    """The inbox: the notification row is the message, so it is delivered as it is due."""

    code = DeliveryChannel.IN_APP

    def send(self, delivery) -> ChannelResult:
        return ChannelResult.sent()


class ExternalChannel(Channel):
    """A channel whose transport is a backend chosen by settings (`backends`)."""

    def send(self, delivery) -> ChannelResult:
        if not delivery.address:
            return ChannelResult.skipped(self.missing_address())
        try:
            backend = backends.get_backend(self.code)
        except Exception as exc:  # a misconfigured provider path: fixable, so retried
            logger.exception("notification backend for %s cannot be loaded", self.code)
            return ChannelResult.failed(_("发送渠道配置错误：%(error)s") % {"error": exc}, retry=True)
        if backend is None:
            return ChannelResult.skipped(_("该渠道已停用"))
        try:
            provider_id = backend.send(self.message(delivery))
        except backends.SendError as exc:
            return ChannelResult.failed(str(exc) or type(exc).__name__, retry=exc.retry)
        except Exception as exc:
            logger.exception("notification delivery %s on %s failed", delivery.pk, self.code)
            return ChannelResult.failed(f"{type(exc).__name__}: {exc}", retry=True)
        return ChannelResult.sent(provider_id)

    def message(self, delivery) -> backends.Message:
        notification = delivery.notification
        return backends.Message(
            delivery_id=delivery.pk,
            channel=self.code,
            address=delivery.address,
            kind=notification.kind,
            title=notification.title,
            body=notification.body,
            link=absolute_link(notification.link),
            urgent=notification.severity == Severity.URGENT,
            params=dict(notification.params or {}),
        )


class SmsChannel(ExternalChannel):
    code = DeliveryChannel.SMS

    def addresses(self, users: Iterable) -> dict[int, str]:
        return {user.pk: (user.mobile or "").strip() for user in users}

    def missing_address(self) -> str:
        return _("未登记手机号")


class WeChatChannel(ExternalChannel):
    code = DeliveryChannel.WECHAT

    def addresses(self, users: Iterable) -> dict[int, str]:
        from propdesk.notifications.models import ChannelAddress

        users = list(users)
        found = dict(ChannelAddress.objects.filter(user__in=users, channel=self.code).values_list("user_id", "address"))
        return {user.pk: found.get(user.pk, "") for user in users}

    def missing_address(self) -> str:
        return _("未绑定微信")


CHANNELS: dict[str, Channel] = {channel.code: channel for channel in (InAppChannel(), SmsChannel(), WeChatChannel())}


def get_channel(code: str) -> Channel:
    try:
        return CHANNELS[code]
    except KeyError:
        raise ValueError(f"unknown notification channel: {code!r}") from None


def absolute_link(link: str) -> str:
    """A site-relative link made absolute with NOTIFY_SITE_URL (for SMS and WeChat)."""
    base = getattr(settings, "NOTIFY_SITE_URL", "")
    if link.startswith("/") and base:
        return base.rstrip("/") + link
    return link
