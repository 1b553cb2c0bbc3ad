"""Drop three single-column foreign-key indexes that a composite index already leads with
(ticket_house_idx, ticket_assignee_idx, ticket_event_idx): every ticket and event INSERT
maintained them. Only the indexes go — Django's AlterField would also drop and re-add
the foreign keys, which re-validates millions of rows under lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("desk_ticket_assignee_id_2ceb07a1", "desk_ticket", "assignee_id"),
    ("desk_ticket_house_id_eb90ecac", "desk_ticket", "house_id"),
    ("desk_ticketevent_ticket_id_c9ce8d22", "desk_ticketevent", "ticket_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0006_ticket_open_queue_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="house",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="estate.house",
                        verbose_name="房屋",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="desk.ticket",
                    ),
                ),
            ],
        ),
    ]
