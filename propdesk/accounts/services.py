"""Account writes: login throttling."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from propdesk.accounts.models import LoginFailure


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_is_locked(*, username: str, address: str | None) -> bool:
    """Too many recent failures for this username, or from this address (3× the limit,
    since an office shares one address)."""
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    if recent.filter(username=username.lower()).count() >= settings.LOGIN_MAX_FAILURES:
        return True
    return bool(address) and recent.filter(address=address).count() >= 3 * settings.LOGIN_MAX_FAILURES


def login_failure_record(*, username: str, address: str | None) -> None:
    LoginFailure.objects.create(username=username.lower(), address=address, at=timezone.now())
    LoginFailure.objects.filter(at__lt=_window_start()).delete()


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
