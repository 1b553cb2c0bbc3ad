"""Fixtures of the notification tests: a movable clock and recording provider backends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.notifications.backends import Backend, Message, SendError


class Clock:
    """`timezone.now()` under the test's control (services read the time only through it)."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


class RecordingBackend(Backend):
    """A provider that accepts everything and remembers what it was given."""

    sent: list[Message] = []

    def send(self, message: Message) -> str:
        RecordingBackend.sent.append(message)
        return f"rec-{len(RecordingBackend.sent)}"


class DownBackend(Backend):
    """A provider that is down: every call times out (a transient failure)."""

    calls = 0

    def send(self, message: Message) -> str:
        DownBackend.calls += 1
        raise SendError("网关超时 (504)", retry=True)


class RejectingBackend(Backend):
    """A provider that refuses the number for good."""

    def send(self, message: Message) -> str:
        raise SendError("号码无效", retry=False)


class CrashingBackend(Backend):
    def send(self, message: Message) -> str:
        raise ConnectionResetError("connection reset by peer")


@pytest.fixture
def provider(settings):
    """Use `RecordingBackend` for SMS and WeChat; yields the list of messages sent."""
    RecordingBackend.sent = []
    DownBackend.calls = 0
    settings.NOTIFY_SMS_BACKEND = settings.NOTIFY_WECHAT_BACKEND = f"{__name__}.RecordingBackend"
    return RecordingBackend.sent


def backend_path(name: str) -> str:
    return f"{__name__}.{name}"
