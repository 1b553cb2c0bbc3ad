"""The Celery app. Schedules are declared here, in code (synced to django-celery-beat)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

app = Celery("propdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "purge-old-import-files": {"task": "propdesk.residents.tasks.purge_old_import_files", "schedule": 6 * 3600},
    "resume-stale-imports": {"task": "propdesk.residents.tasks.resume_stale_imports", "schedule": 300},
    "notifications-deliver-due": {"task": "propdesk.notifications.tasks.deliver_due", "schedule": 60},
    "sla-sweep": {"task": "propdesk.sla.tasks.sweep", "schedule": 20},
    # Return visits: the visit clock every minute; new-resident and mid-term visits hourly (VIS-3).
    "visits-sweep": {"task": "propdesk.followup.tasks.sweep", "schedule": 60},
    "visits-schedule": {"task": "propdesk.followup.tasks.schedule", "schedule": 3600},
    # REP-5: orders not returned by 17:00 are listed to the department head (CELERY_TIMEZONE is Asia/Shanghai).
    "repairs-unfinished-at-17": {
        "task": "propdesk.desk.tasks.report_unfinished_work_orders",
        "schedule": crontab(hour=17, minute=0),
    },
    # ARC-6: the day's birthday and festival greetings are listed early each morning.
    "outreach-care-tasks": {"task": "propdesk.outreach.tasks.build_care_tasks", "schedule": crontab(hour=6, minute=30)},
    # The KPI report's daily facts (reports.services): yesterday and recently changed days; nightly the last 40 days.
    "reports-facts-recent": {"task": "propdesk.reports.tasks.refresh_facts_recent", "schedule": 15 * 60},
    "reports-facts-late": {"task": "propdesk.reports.tasks.refresh_facts_late", "schedule": crontab(hour=2, minute=30)},
    # FEE-7: broken promises, late instalments, limitation warnings (dunning).
    "dunning-daily": {"task": "propdesk.dunning.tasks.dunning_daily", "schedule": crontab(hour=7, minute=30)},
    # FEE-10: the monthly rental list for the garage cashier, every Monday morning.
    "parking-weekly-rental-export": {
        "task": "propdesk.parking.tasks.weekly_rental_exports",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
    },
}
