"""Report jobs: thin, calling services; schedules in propdesk/celery.py."""

from celery import shared_task

from propdesk.reports import services


@shared_task
def refresh_facts_recent() -> int:
    """Every 15 minutes: yesterday's facts and the days recent ticket changes touched."""
    return services.facts_refresh_recent()


@shared_task
def refresh_facts_late() -> int:
    """Nightly: the last LATE_DAYS days' facts (changes that left no ticket event)."""
    return services.facts_refresh_late()
