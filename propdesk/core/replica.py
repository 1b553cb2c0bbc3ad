"""Read replica for reports — 报表读从库: with `DATABASE_REPLICA_URL` set, the reads made
inside `replica_reads()` (the report pages) go to the PostgreSQL read replica, so a
company-wide monthly report never competes with the front desk for the primary. Writes,
and every read outside the block, stay on the primary; without a replica nothing changes.

A replica lags the primary by a moment: only pages that show aggregates over closed
periods read from it, never a page that writes or that must see its own write."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

_reading = ContextVar("propdesk_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Reads inside go to the replica when one is configured (usable as a decorator)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Database router: see the module docstring."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() and REPLICA in settings.DATABASES else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication
