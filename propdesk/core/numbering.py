"""Gap-free numbering per project (工单号, 收据号…): the counter row is locked and advanced
in the caller's transaction, so a rolled-back write gives its number back."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from propdesk.core.models import Counter


def _advance(project_id: int, key: str) -> int | None:
    """Lock and advance the counter in one statement; None when it does not exist yet."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Counter._meta.db_table)} SET {quote('value')} = {quote('value')} + 1 "
        f"WHERE {quote('project_id')} = %s AND {quote('key')} = %s RETURNING {quote('value')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [project_id, key])
        row = cursor.fetchone()
    return None if row is None else row[0]


def next_value(*, project_id: int, key: str) -> int:
    """The next value of the project's `key` sequence (1, 2, 3…). Must run inside the
    transaction that stores the numbered row."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside the transaction that uses the number")
    value = _advance(project_id, key)
    if value is None:
        try:
            with transaction.atomic():
                Counter.objects.create(project_id=project_id, key=key)
        except IntegrityError:  # another transaction created it first
            pass
        value = _advance(project_id, key)
    return value
