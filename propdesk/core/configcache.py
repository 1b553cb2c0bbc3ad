"""A per-process memo of configuration that every ticket needs and that changes rarely:
the SLA policies (`sla.selectors.policy_for`) and the working calendars
(`WorkingCalendar.for_project` / `.load`).

Correct across processes (gunicorn workers, Celery) through one database row,
`ConfigStamp`: a change to the configuration writes a new random token into it in the
change's own transaction, and a memo is used only while the token it was read under is
still the current one — one primary-key read per use instead of the three to seven
queries of the configuration itself. Consequences:

- another process sees a change as soon as it is committed (its next read of the
  token differs); the changing transaction sees it at once;
- a rolled-back change restores the old token, and tokens are random, so a memo read
  inside the rolled-back transaction is never taken for current;
- a memo filled from data newer than its token (a change committed between the two
  reads) is merely reloaded once more.

`watch(*models)` (from the apps' `ready`) changes the token on every row-level save and
delete of those models — the admin screens and services that save rows; services that
write them in bulk (`bulk_create`, `update`) call `changed()` themselves.
`pinned()` reads the token once for a block: the lookups of one operation then come
from the same configuration version for one read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_UNSET = object()
_STAMP_PK = 1
# (token, {key: value}) of this process; the values are immutable or treated as such.
_memo: tuple[object, dict[Hashable, object]] = (_UNSET, {})
_pinned: ContextVar[object] = ContextVar("propdesk_config_token", default=_UNSET)


def _read_token() -> str | None:
    from propdesk.core.models import ConfigStamp

    return ConfigStamp.objects.filter(pk=_STAMP_PK).values_list("token", flat=True).first()


def _token() -> object:
    pinned = _pinned.get()
    return _read_token() if pinned is _UNSET else pinned


@contextmanager
def pinned() -> Iterator[None]:
    """Inside the block, every `cached` call uses the token read at its first use."""
    if _pinned.get() is not _UNSET:
        yield
        return
    reset = _pinned.set(_read_token())
    try:
        yield
    finally:
        _pinned.reset(reset)


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s result, memoised in this process while the configuration is unchanged.
    Exceptions are not memoised."""
    global _memo
    token = _token()
    memo_token, values = _memo
    if memo_token != token:
        values = {}
        _memo = (token, values)
    if key not in values:
        values[key] = load()
    return values[key]  # type: ignore[return-value]


def forget() -> None:
    """Drop this process's memo (tests start from a cold one)."""
    global _memo
    _memo = (_UNSET, {})


def changed(**_ignored) -> None:
    """The configuration changed: give the stamp a new token (in the caller's transaction)."""
    from propdesk.core.models import ConfigStamp

    token = uuid.uuid4().hex
    if not ConfigStamp.objects.filter(pk=_STAMP_PK).update(token=token):
        ConfigStamp.objects.update_or_create(pk=_STAMP_PK, defaults={"token": token})


def watch(*models) -> None:
    """Change the token on every save and delete of these models' rows."""
    for model in models:
        post_save.connect(changed, sender=model, dispatch_uid=f"configcache-save-{model._meta.label}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"configcache-delete-{model._meta.label}")
