"""Install the shipped emergency plans (INC-4) as company-wide plans, so a new
installation has them without any seeding; edited plans are never overwritten."""

from django.db import migrations


def install(apps, schema_editor):
    from propdesk.desk.emergency_plans import emergency_plans_install

    emergency_plans_install(apps.get_model("desk", "EmergencyPlan"))


class Migration(migrations.Migration):
    dependencies = [("desk", "0004_emergencies_services")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
