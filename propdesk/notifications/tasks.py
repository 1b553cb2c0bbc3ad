"""Notification jobs: thin, idempotent, calling services.

`deliver` is enqueued (on commit) for each external delivery `notify` writes; the claim
in `services.delivery_attempt` makes a repeated or concurrent run send nothing twice.
`deliver_due` runs every minute (propdesk/celery.py) and hands due deliveries to workers.
"""

from celery import shared_task

from propdesk.notifications import services


@shared_task
def deliver(delivery_id: int) -> str | None:
    """Send one delivery if it is claimable; its status afterwards, or None."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task
def deliver_due() -> int:
    """The sweep: deferred deliveries whose time has come, retries, lost and stalled ones."""
    delivery_ids = services.deliveries_due()
    for delivery_id in delivery_ids:
        deliver.delay(delivery_id)
    return len(delivery_ids)
