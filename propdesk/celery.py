"""The Celery app. Schedules are declared here, in code (synced to django-celery-beat)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

app = Celery("propdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "purge-old-import-files": {"task": "propdesk.residents.tasks.purge_old_import_files", "schedule": 6 * 3600},
    "resume-stale-imports": {"task": "propdesk.residents.tasks.resume_stale_imports", "schedule": 300},
    "notifications-deliver-due": {"task": "propdesk.notifications.tasks.deliver_due", "schedule": 60},
}
