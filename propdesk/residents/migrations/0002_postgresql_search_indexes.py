"""PostgreSQL-only indexes for global search (residents.selectors.global_search).

Measured with `bench/bench_search.py` on 440,000 people / 187,000 houses: without these,
PostgreSQL scans whole tables for the prefix search kinds: a B-tree in the database's
collation (here C.UTF-8, PostgreSQL < 17) cannot serve `LIKE 'x%'`:

    name prefix          residents_person.name LIKE '王建%'               → name_pattern
                         estate_house.code LIKE '王建%' (same box)          → house_code_pattern
    pinyin / initials    name_initials LIKE 'wjg%' OR name_pinyin LIKE … → initials_pattern, pinyin_pattern
    (last four digits and full ID numbers use indexes declared on the models)

`varchar_pattern_ops` serves prefix LIKE whatever the collation. SQLite (the single-
compound default) is left as it is: the migration does nothing there. The indexes are
built CONCURRENTLY, so adding them to a live database does not block writes.
"""

from django.db import migrations

# (table, index name, columns, partial-index condition)
INDEXES = (
    ("residents_person", "person_name_pattern", '"project_id", "name" varchar_pattern_ops', ""),
    ("residents_person", "person_initials_pattern", '"project_id", "name_initials" varchar_pattern_ops', ""),
    ("residents_person", "person_pinyin_pattern", '"project_id", "name_pinyin" varchar_pattern_ops', ""),
    ("estate_house", "house_code_pattern", '"code" varchar_pattern_ops', ""),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, columns, condition in INDEXES:
        where = f" WHERE {condition}" if condition else ""
        schema_editor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" ({columns}){where}')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _columns, _condition in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("estate", "0001_initial"),
        ("residents", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
