# The open ticket queue in queue order (next deadline, then the oldest), open tickets only:
# head office's queue over every project reads its first page from this small partial
# index instead of joining and sorting every open ticket (bench/bench_desk.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0005_emergency_plans"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["new", "assigned", "in_progress", "waiting_customer", "waiting_parts", "waiting_appointment"])
                ),
                fields=["next_deadline_at", "created_at", "id"],
                name="ticket_open_queue_idx",
            ),
        ),
    ]
