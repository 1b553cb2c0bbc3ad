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


@shared_task
def run_import(job_id: int) -> str | None:
    """Run one Excel import job (数据导入). Claimed with a conditional update, so a
    repeated delivery of the same job does nothing."""
    from propdesk.residents.imports import import_run

    job = import_run(job_id=job_id)
    return job.status if job else None


@shared_task
def resume_stale_imports() -> int:
    """Hand imports whose worker died (or whose message was lost) to a worker again."""
    from propdesk.residents.imports import import_stale_job_ids

    job_ids = import_stale_job_ids()
    for job_id in job_ids:
        run_import.delay(job_id)
    return len(job_ids)
