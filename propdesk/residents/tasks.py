"""Residents background jobs: thin, idempotent, calling services."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from propdesk.residents.models import ImportJob

IMPORT_FILE_RETENTION = dt.timedelta(days=30)


@shared_task
def purge_old_import_files() -> int:
    """Delete uploaded import spreadsheets after 30 days (they hold personal data, ARC-5);
    the job row and its error report stay."""
    purged = 0
    cutoff = timezone.now() - IMPORT_FILE_RETENTION
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(file=""):
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
