"""SLA jobs: thin, calling services. `sweep` runs every 20 seconds (propdesk/celery.py);
a repeated or concurrent run fires nothing twice (see services.sla_sweep)."""

from dataclasses import asdict

from celery import shared_task

from propdesk.sla import services


@shared_task
def sweep() -> dict:
    """Fire the warnings, escalation levels and breaches that are due."""
    return asdict(services.sla_sweep())
