"""Outreach background jobs: thin, idempotent, calling services."""

from celery import shared_task


@shared_task
def build_care_tasks() -> int:
    """ARC-6, daily: list the birthday and festival greetings due. Safe to repeat (each
    task has a key and is made once)."""
    from propdesk.outreach.care import care_tasks_build_all

    return care_tasks_build_all()
