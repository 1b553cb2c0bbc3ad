"""Billing background jobs: thin, idempotent, calling services."""

from celery import shared_task


@shared_task
def billing_run_continue(run_id: int) -> dict:
    """Process a monthly billing run to the end (FEE-2). Safe to repeat or to run twice at
    once: batches take the run row's lock and skip lines already issued; a worker that
    died mid-run is replaced by enqueueing this again."""
    from propdesk.billing.models import BillingRun
    from propdesk.billing.run import billing_run_execute

    run = billing_run_execute(run=BillingRun.objects.get(pk=run_id))
    return {"status": run.status, "houses_done": run.houses_done, "lines_created": run.lines_created}
