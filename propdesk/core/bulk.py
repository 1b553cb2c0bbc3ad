"""Writing many rows of one model at once, for the set-based jobs (the monthly billing run):
COPY on PostgreSQL — the ids reserved from the table's sequence first when the caller
needs them, so other rows can point at the new ones — else bulk_create. No model is built
on PostgreSQL and no signal is sent on either: the rows are written as given, the fields
not given take their defaults (`auto_now(_add)`: now).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple], *, ids: bool = False) -> list[int]:
    """Insert `rows` (tuples of the `fields`' attnames, in that order) into `model`'s table;
    the new ids in row order when `ids`, else []."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs)
        return [obj.pk for obj in objs] if ids else []
    meta = model._meta
    given = set(fields)
    now = timezone.now()
    defaults = [
        (f.column, now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default())
        for f in meta.concrete_fields
        if f.attname not in given and not f.primary_key
    ]
    columns = [meta.get_field(name).column for name in fields] + [column for column, _value in defaults]
    tail = tuple(value for _column, value in defaults)
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            new_ids = [pk for (pk,) in cursor.fetchall()]
            columns.insert(0, meta.pk.column)
        quote = connection.ops.quote_name
        sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            if ids:
                for pk, row in zip(new_ids, rows, strict=True):
                    write_row((pk, *row, *tail))
            else:
                for row in rows:
                    write_row((*row, *tail))
    return new_ids
