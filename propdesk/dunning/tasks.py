"""Dunning's daily job (FEE-7): thin, idempotent, calling services. Scheduled in
propdesk/celery.py ("dunning-daily", 07:30 Shanghai time)."""

from celery import shared_task


@shared_task
def dunning_daily() -> dict:
    """Close settled cases, flag broken promises and late instalments (telling the
    collector), warn supervisors of debts nearing the limitation period — each
    notification once (dedupe keys), so a repeated run sends nothing twice."""
    from propdesk.dunning import services

    counts = services.follow_ups_check()
    counts["limitation"] = services.limitation_notify()
    counts["closed"] = services.cases_close_settled()
    return counts
