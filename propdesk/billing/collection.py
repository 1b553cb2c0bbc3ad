"""Collection statistics (收费统计, FEE-12): the month's receivable against what was
received and the collection rate (收缴率) per project, building and fee item; the recovery
of earlier arrears; income by fee item and payment method; arrears by aging
(`billing.arrears`). Every figure is a sum of ledger rows — lines and entries — read in
bulk and summed exactly in Python (SQLite's SUM over decimals is floating point).

Definitions, for a month M (its first to its last day) reported as of a day `as_of`
(default: the month's last day, or today while the month is running):

- **receivable (应收)**: Σ amounts of the lines of period M — the month's fees and the
  one-off charges billed to M — charged by `as_of`. Late-fee lines are not receivable of
  a period: they are income when paid (see income).
- **waived (减免)**: Σ waiver entries on those lines counted by `as_of`.
- **received (实收)**: Σ payment and credit-applied entries on those lines counted by
  `as_of`, less reversals (冲正) counted by then: money actually received for M, whenever
  it came (in advance, in M, or after).
- **outstanding (未收)**: receivable − waived − received: what M's lines still owe.
- **collection rate (当期收缴率)** = received ÷ (receivable − waived), in per cent to two
  places (half-up); none when nothing net is receivable. "Current-month received against
  current-month receivable": only money on M's own lines counts, never arrears recovered.
- **arrears recovery (清欠率)** for the periods before M: the opening arrears are what the
  lines of earlier periods charged by M's first day (the previous month's bill issued on
  the 1st included) still owed when M began (Σ amounts − Σ entries counted before M's
  first day); recovered is Σ payment and credit-applied entries, less reversals, on those
  lines counted from M's first day to the end of M (or `as_of`, if earlier);
  the rate is recovered ÷ opening arrears. Waivers of old arrears lower what is owed but
  are not recovered money.
- **income (收入)**: money received in M by the day it counted — Σ payment, prepayment and
  reversal entries of payments counted in M — by fee item (late fees as "违约金", prepaid
  credit as "预存款") and by payment method. Its total is Σ payments received in M less
  the reversals made in M.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.arrears import BUCKETS, ArrearsList, arrears_list  # noqa: F401  (BUCKETS: for the report pages)
from propdesk.billing.choices import EntryKind, LineSource, PaymentMethod
from propdesk.billing.models import BillLine, Entry
from propdesk.core.money import ZERO

RECEIVED_KINDS = (EntryKind.PAYMENT, EntryKind.CREDIT_APPLIED, EntryKind.REVERSAL)
INCOME_KINDS = (EntryKind.PAYMENT, EntryKind.PREPAYMENT, EntryKind.REVERSAL)
LATE_FEE_LABEL = _("违约金")
PREPAID_LABEL = _("预存款")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole in per cent, two places half-up; None when `whole` is not positive."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class CollectionRow:
    """One row of the month's collection: a project, a building, a fee item, or the total."""

    key: object
    label: str
    receivable: Decimal = ZERO
    waived: Decimal = ZERO
    received: Decimal = ZERO

    @property
    def net_receivable(self) -> Decimal:
        return self.receivable - self.waived

    @property
    def outstanding(self) -> Decimal:
        return self.receivable - self.waived - self.received

    @property
    def rate(self) -> Decimal | None:
        return rate(self.received, self.net_receivable)


@dataclass
class RecoveryRow:
    """Arrears recovery of one project (or the total): opening arrears and recovered in M."""

    key: object
    label: str
    opening: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return rate(self.recovered, self.opening)


@dataclass
class CollectionReport:
    month: dt.date
    as_of: dt.date
    total: CollectionRow
    by_project: list[CollectionRow] = field(default_factory=list)
    by_building: list[CollectionRow] = field(default_factory=list)
    by_item: list[CollectionRow] = field(default_factory=list)
    recovery: list[RecoveryRow] = field(default_factory=list)
    recovery_total: RecoveryRow | None = None
    income_items: list[str] = field(default_factory=list)
    income_methods: list[tuple[str, str]] = field(default_factory=list)  # (code, label) of methods with income
    income: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (item label, method) → amount
    income_by_item: dict[str, Decimal] = field(default_factory=dict)
    income_by_method: dict[str, Decimal] = field(default_factory=dict)
    income_total: Decimal = ZERO
    aging: ArrearsList | None = None


def collection_report(
    *, project_ids, month: dt.date, as_of: dt.date | None = None, building_id: int | None = None, with_aging: bool = True
) -> CollectionReport:
    """The collection report of `month` for `project_ids` (one building when given), as of
    `as_of` (see the module docstring for every definition)."""
    first, last = month_bounds(month)
    as_of = as_of or timezone.localdate()
    end = min(last, as_of)
    lines = BillLine.objects.filter(project_id__in=project_ids).exclude(source=LineSource.LATE_FEE)
    if building_id:
        lines = lines.filter(house__building_id=building_id)
    report = CollectionReport(month=first, as_of=as_of, total=CollectionRow("total", str(_("合计"))))

    # -- the month's receivable and what was received for it
    month_lines = lines.filter(period=first, charged_on__lte=as_of)
    rows = list(
        month_lines.values_list(
            "pk",
            "project_id",
            "project__name",
            "house__building_id",
            "house__building__number",
            "item_id",
            "item__name",
            "amount",
        )
    )
    by_line: dict[int, tuple] = {}
    projects: dict[int, CollectionRow] = {}
    buildings: dict[int, CollectionRow] = {}
    items: dict[int, CollectionRow] = {}
    for pk, project_id, project_name, building_pk, building_number, item_id, item_name, amount in rows:
        targets = (
            report.total,
            projects.setdefault(project_id, CollectionRow(project_id, project_name)),
            buildings.setdefault(building_pk, CollectionRow(building_pk, f"{project_name} {building_number}")),
            items.setdefault(item_id, CollectionRow(item_id, item_name)),
        )
        by_line[pk] = targets
        for row in targets:
            row.receivable += amount
    if by_line:
        entries = Entry.objects.filter(line__in=month_lines, on_date__lte=as_of).values_list("line_id", "kind", "amount")
        for line_id, kind, amount in entries.iterator(chunk_size=5000):
            attr = "waived" if kind == EntryKind.WAIVER else "received" if kind in RECEIVED_KINDS else None
            if attr is None:
                continue
            for row in by_line[line_id]:
                setattr(row, attr, getattr(row, attr) + amount)
    report.by_project = sorted(projects.values(), key=lambda r: r.label)
    report.by_building = sorted(buildings.values(), key=lambda r: r.label)
    report.by_item = sorted(items.values(), key=lambda r: r.label)

    # -- arrears of earlier periods and their recovery in the month
    old_lines = lines.filter(period__lt=first, charged_on__lte=first)
    project_of: dict[int, int] = {}
    recovery: dict[int, RecoveryRow] = {}
    total = RecoveryRow("total", str(_("合计")))
    for pk, project_id, project_name, amount in old_lines.values_list("pk", "project_id", "project__name", "amount").iterator(
        chunk_size=5000
    ):
        project_of[pk] = project_id
        row = recovery.setdefault(project_id, RecoveryRow(project_id, project_name))
        row.opening += amount
        total.opening += amount
    if project_of:
        entries = Entry.objects.filter(line__in=old_lines, on_date__lte=end).values_list("line_id", "kind", "amount", "on_date")
        for line_id, kind, amount, on_date in entries.iterator(chunk_size=5000):
            row = recovery[project_of[line_id]]
            if on_date < first:
                row.opening -= amount
                total.opening -= amount
            elif kind in RECEIVED_KINDS:
                row.recovered += amount
                total.recovered += amount
    report.recovery = sorted(recovery.values(), key=lambda r: r.label)
    report.recovery_total = total

    # -- income of the month by fee item and method
    income = Entry.objects.filter(
        project_id__in=project_ids, payment__isnull=False, kind__in=INCOME_KINDS, on_date__gte=first, on_date__lte=end
    )
    if building_id:
        income = income.filter(house__building_id=building_id)
    methods = dict(PaymentMethod.choices)
    used_methods: set[str] = set()
    for item_name, late_fee_of, has_line, method, amount in income.values_list(
        "line__item__name", "line__late_fee_of_id", "line_id", "payment__method", "amount"
    ).iterator(chunk_size=5000):
        label = str(PREPAID_LABEL) if has_line is None else str(LATE_FEE_LABEL) if late_fee_of else item_name
        report.income[(label, method)] = report.income.get((label, method), ZERO) + amount
        report.income_by_item[label] = report.income_by_item.get(label, ZERO) + amount
        report.income_by_method[method] = report.income_by_method.get(method, ZERO) + amount
        report.income_total += amount
        used_methods.add(method)
    report.income_items = sorted(report.income_by_item)
    report.income_methods = [(code, str(label)) for code, label in methods.items() if code in used_methods]
    if with_aging:
        report.aging = arrears_list(project_ids=project_ids, building_id=building_id, as_of=as_of)
    return report


def income_table(report: CollectionReport) -> list[list]:
    """Income rows for display and export: item, amount per method (in order), total."""
    rows = []
    for item in report.income_items:
        rows.append(
            [item, *[report.income.get((item, code), ZERO) for code, _l in report.income_methods], report.income_by_item[item]]
        )
    return rows
