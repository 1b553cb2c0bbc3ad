"""Return-visit jobs: thin, calling services; schedules in propdesk/celery.py.

- `sweep` (every minute): the visit clock — reminders on the due morning, the overdue
  notice to the supervisor; each fires once per visit (followup.clock).
- `schedule` (hourly): new-resident visits for move-ins and mid-term visits for long
  special services (VIS-3); idempotent (followup.services)."""

from dataclasses import asdict

from celery import shared_task

from propdesk.followup import clock, services


@shared_task
def sweep() -> dict:
    return asdict(clock.visits_sweep())


@shared_task
def schedule() -> dict:
    return {
        "move_in": len(services.visits_schedule_move_ins()),
        "midterm": len(services.visits_schedule_midterms()),
    }
