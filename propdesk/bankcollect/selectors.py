"""Reads of the bank collection shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from propdesk.bankcollect.choices import LineStatus
from propdesk.bankcollect.models import CollectionBatch
from propdesk.core.money import ZERO, money_sum


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class BatchSummary:
    """A batch's lines per status (count and amount) and whether the totals reconcile:
    Σ per status = the amount exported, and the paid lines' payments = the paid amount."""

    rows: list[StatusRow]
    total_count: int
    total_amount: Decimal
    paid_amount: Decimal
    payments_amount: Decimal
    unmatched_rows: int

    @property
    def reconciled(self) -> bool:
        return self.paid_amount == self.payments_amount


def batch_summary(batch: CollectionBatch) -> BatchSummary:
    amounts: dict[str, list] = {status: [] for status in LineStatus.values}
    payments = []
    for status, amount, paid in batch.lines.values_list("status", "amount", "payment__amount"):
        amounts[status].append(amount)
        if paid is not None:
            payments.append(paid)
    rows = [
        StatusRow(status, str(label), len(amounts[status]), money_sum(amounts[status])) for status, label in LineStatus.choices
    ]
    return BatchSummary(
        rows=rows,
        total_count=sum(row.count for row in rows),
        total_amount=money_sum(row.amount for row in rows),
        paid_amount=next((row.amount for row in rows if row.status == LineStatus.PAID), ZERO),
        payments_amount=money_sum(payments),
        unmatched_rows=batch.unmatched.count(),
    )


def batches_with_counts(queryset):
    """Batches with the number of lines per status (one query)."""
    return queryset.annotate(
        paid_count=Count("lines", filter=Q(lines__status=LineStatus.PAID)),
        failed_count=Count("lines", filter=Q(lines__status=LineStatus.FAILED)),
        unmatched_count=Count("lines", filter=Q(lines__status=LineStatus.UNMATCHED)),
    )


def mandates_in_force(queryset, on_date):
    return queryset.filter(active_from__lte=on_date).filter(Q(active_to__isnull=True) | Q(active_to__gte=on_date))
