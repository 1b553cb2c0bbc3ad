"""Transports of the external channels (SMS, WeChat template messages), chosen by settings.

    NOTIFY_SMS_BACKEND / NOTIFY_WECHAT_BACKEND =
        "console"          the default: log the message (address masked) and record it as
                           sent — no network; for development, demos and tests
        "disabled"         record every delivery on that channel as skipped
        "path.to.Class"    a real provider (not shipped here): a class satisfying `Backend`

A provider class
- is instantiated with no arguments for each message and reads its own credentials and
  template ids from settings / the environment (e.g. `ALIYUN_SMS_ACCESS_KEY_FILE`);
- maps `message.kind` to its pre-approved template (SMS in mainland China and WeChat
  template messages only carry approved templates) and fills it from `message.params`,
  falling back to `title`/`body` where the template has free text;
- returns the provider's message id (may be "") when the provider accepted the message;
- raises `SendError(text, retry=True)` for a transient failure (timeout, 5xx, rate
  limit) — the delivery is tried again with backoff up to `NOTIFY_MAX_ATTEMPTS` — and
  `SendError(text, retry=False)` for a permanent one (invalid number, user unsubscribed,
  template rejected); any other exception counts as transient;
- times out quickly (≈10 s) and does not retry by itself: the worker holds its claim on
  the delivery for `services.CLAIM_LEASE`, after which the sweep may try again;
- may use `message.delivery_id` as the provider's client reference (Aliyun `OutId`,
  WeChat `client_msg_id`) so that a retried attempt can be recognised on its side.
"""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from propdesk.notifications.choices import DeliveryChannel

logger = logging.getLogger("propdesk.notifications")

CONSOLE = "console"
DISABLED = "disabled"

# The setting naming each external channel's backend.
BACKEND_SETTINGS = {
    DeliveryChannel.SMS: "NOTIFY_SMS_BACKEND",
    DeliveryChannel.WECHAT: "NOTIFY_WECHAT_BACKEND",
}


@dataclass(frozen=True)
class Message:
    """What a transport sends: one delivery of one notification."""

    delivery_id: int
    channel: str
    address: str
    kind: str
    title: str
    body: str
    link: str = ""  # absolute when NOTIFY_SITE_URL is set
    urgent: bool = False
    params: dict = field(default_factory=dict)


class SendError(Exception):
    """The provider did not take the message. `retry`: whether trying later may help."""

    def __init__(self, text: str, *, retry: bool = True):
        super().__init__(text)
        self.retry = retry


class Backend(abc.ABC):
    """The interface a provider class satisfies (see the module docstring)."""

    @abc.abstractmethod
    def send(self, message: Message) -> str:
        """Hand `message` to the provider; return its message id or raise `SendError`."""


class ConsoleBackend(Backend):
    """Logs the message instead of sending it; the address is masked in the log."""

    def send(self, message: Message) -> str:
        from propdesk.notifications.models import mask_address

        logger.info(
            "[%s → %s] %s%s — %s %s",
            message.channel,
            mask_address(message.channel, message.address),
            "【紧急】" if message.urgent else "",
            message.title,
            message.body,
            message.link,
        )
        return f"console-{message.delivery_id}"


def backend_path(channel: str) -> str:
    """The configured backend of an external channel: "console", "disabled" or a class path."""
    return getattr(settings, BACKEND_SETTINGS[channel], CONSOLE) or CONSOLE


def get_backend(channel: str) -> Backend | None:
    """An instance of the channel's backend; None when the channel is disabled."""
    path = backend_path(channel)
    if path == DISABLED:
        return None
    if path == CONSOLE:
        return ConsoleBackend()
    return import_string(path)()
