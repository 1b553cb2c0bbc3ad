"""Gap-free numbering per project (工单号, 收据号…): the counter row is locked and advanced
in the caller's transaction, so a rolled-back write gives its number back."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from propdesk.core.models import Counter


def next_value(*, project_id: int, key: str) -> int:
    """The next value of the project's `key` sequence (1, 2, 3…). Must run inside the
    transaction that stores the numbered row."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside the transaction that uses the number")
    counter = Counter.objects.select_for_update().filter(project_id=project_id, key=key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = Counter.objects.create(project_id=project_id, key=key)
        except IntegrityError:  # another transaction created it first
            pass
        counter = Counter.objects.select_for_update().get(project_id=project_id, key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
