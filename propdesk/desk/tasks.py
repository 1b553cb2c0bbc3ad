"""Service-desk background jobs: thin, idempotent, calling services."""

from celery import shared_task


@shared_task
def report_unfinished_work_orders() -> int:
    """REP-5: at 17:00 (propdesk/celery.py) each project's supervisor and manager get the
    list of repair orders not yet returned. Deduplicated per project and day, so a
    repeated run sends nothing twice."""
    from propdesk.desk.repairs import unfinished_report_send

    return unfinished_report_send()
