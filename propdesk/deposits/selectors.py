"""Reads of deposits used by the pages, the API and the export."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from propdesk.deposits.choices import DepositStatus, RefundStatus
from propdesk.deposits.models import Deposit, DepositRefund


def deposits_with_status(queryset: QuerySet[Deposit], *, status: str = "", kind: str = "") -> QuerySet[Deposit]:
    """Deposits filtered by kind and by status (held / refund requested / refunded), with
    their refunds prefetched (newest first) for `deposit_status`."""
    if kind:
        queryset = queryset.filter(kind=kind)
    live = DepositRefund.objects.filter(deposit=OuterRef("pk"))
    if status == DepositStatus.HELD:
        queryset = queryset.exclude(Exists(live.exclude(status=RefundStatus.REJECTED)))
    elif status == DepositStatus.REFUND_REQUESTED:
        queryset = queryset.filter(Exists(live.filter(status=RefundStatus.REQUESTED)))
    elif status == DepositStatus.REFUNDED:
        queryset = queryset.filter(Exists(live.filter(status=RefundStatus.APPROVED)))
    refunds = DepositRefund.objects.order_by("-id").select_related("requested_by", "decided_by")
    return queryset.select_related("project", "house", "taken_by").prefetch_related(Prefetch("refunds", queryset=refunds))
