"""Reads of the repair work orders (报修·派工): the open pool, the orders unfinished at
17:00 (REP-5), a project's price list. A technician's own repairs are in 我的工单
(desk.selectors.my_work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from propdesk.desk.choices import OPEN_STATUSES, WORK_ORDER_TYPES, Status, TicketType
from propdesk.desk.models import PriceItem, Ticket


def pool(project_ids: Iterable[int]) -> QuerySet[Ticket]:
    """Repairs waiting in the open pool (抢单池), the longest waiting first."""
    return (
        Ticket.objects.filter(
            project_id__in=list(project_ids),
            type=TicketType.REPAIR,
            status=Status.NEW,
            assignee__isnull=True,
            work_order__pool_open=True,
        )
        .select_related("project", "house", "work_order")
        .order_by("work_order__pooled_at", "id")
    )


def unfinished_work_orders(project_ids: Iterable[int], at: dt.datetime) -> QuerySet[Ticket]:
    """Work orders (repairs and special services) reported by `at` and not yet returned
    (REP-5): still open — waiting in the pool, assigned, in progress or paused — the
    oldest first."""
    return (
        Ticket.objects.filter(
            project_id__in=list(project_ids),
            type__in=WORK_ORDER_TYPES,
            status__in=OPEN_STATUSES,
            created_at__lte=at,
        )
        .select_related("project", "house", "assignee", "work_order")
        .order_by("project_id", "created_at", "id")
    )


def price_list(project_id: int) -> QuerySet[PriceItem]:
    """The project's published price list in use (REP-4/DESK-8)."""
    return PriceItem.objects.filter(project_id=project_id, active=True).order_by("kind", "trade", "name")
