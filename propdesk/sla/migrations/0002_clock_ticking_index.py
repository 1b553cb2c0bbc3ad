# The SLA board over many projects (head office) reads its due-soon and breached lists in
# deadline order from this small partial index of the ticking clocks (bench/bench_desk.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("ended_at__isnull", True), ("met_at__isnull", True), ("state__in", ["running", "breached"])),
                fields=["deadline_at", "id"],
                name="sla_clock_ticking_idx",
            ),
        ),
    ]
