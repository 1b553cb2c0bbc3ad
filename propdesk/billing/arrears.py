"""The arrears list (欠费清单, FEE-7's first step): houses owing overdue amounts, with the
age of their oldest overdue line in buckets (≤1, 1–3, 3–6, 6–12, >12 months).

Built in bulk — four queries for any number of houses — from the same rows as
`selectors.line_states`: a line's open amount is its amount less the entries on it, its
due date the bill's or the latest approved extension's (FEE-4). A line is overdue on a day
after its due date. Only the owner's account (the developer's debt for unsold and
not-handed-over houses is listed apart, phase 2b); late fees already charged count as
owed, live ones are not in these figures (the desk and the notice show them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import Payer
from propdesk.billing.models import BillLine, DueDateExtension, Entry
from propdesk.core.money import ZERO, money
from propdesk.estate.models import House

# (key, label, upper bound in whole months overdue — exclusive; None: no bound)
BUCKETS = (
    ("m1", _("1个月以内"), 1),
    ("m3", _("1–3个月"), 3),
    ("m6", _("3–6个月"), 6),
    ("m12", _("6–12个月"), 12),
    ("over12", _("12个月以上"), None),
)


def months_overdue(due_date: dt.date, on_date: dt.date) -> int:
    """Whole calendar months from the due date to `on_date` (due 3-10: on 4-09 → 0, 4-10 → 1)."""
    months = (on_date.year - due_date.year) * 12 + on_date.month - due_date.month
    return months - (on_date.day < due_date.day)


def bucket_of(due_date: dt.date, on_date: dt.date) -> str:
    """The aging bucket of a debt whose oldest overdue line fell due on `due_date`: up to
    one month overdue is "m1", from 1 to 3 months "m3", and so on."""
    months = months_overdue(due_date, on_date)
    for key, _label, bound in BUCKETS:
        if bound is None or months < bound:
            return key
    raise AssertionError("unreachable")


@dataclass
class ArrearsRow:
    house: House
    owed: Decimal  # overdue and open
    lines: int
    oldest_due: dt.date
    bucket: str
    months: int

    @property
    def bucket_label(self) -> str:
        return next(label for key, label, _bound in BUCKETS if key == self.bucket)


@dataclass
class ArrearsList:
    as_of: dt.date
    rows: list[ArrearsRow] = field(default_factory=list)
    by_bucket: dict[str, dict] = field(default_factory=dict)  # key → {"label", "houses", "owed"}
    total: Decimal = ZERO
    houses_total: int = 0

    @property
    def share(self) -> float:
        """Houses in arrears as a share of the houses listed over (for the heading)."""
        return len(self.rows) / self.houses_total if self.houses_total else 0.0


def arrears_list(*, project_ids, building_id: int | None = None, as_of: dt.date | None = None) -> ArrearsList:
    """Every house of `project_ids` (of one building when given) owing an overdue amount on
    `as_of` (default today), the oldest debt first."""
    as_of = as_of or timezone.localdate()
    houses = House.objects.filter(project_id__in=project_ids)
    lines = BillLine.objects.filter(
        project_id__in=project_ids,
        bill__project_id__in=project_ids,  # the bills are read by the project's index, not all of them
        charged_on__lte=as_of,
        bill__payer=Payer.OWNER,
        bill__due_date__lt=as_of,
    )
    if building_id:
        houses = houses.filter(building_id=building_id)
        lines = lines.filter(house__building_id=building_id)
    # The database sums each line's entries (by the entries' line index) and keeps the
    # lines left open, so only those are read, not every line of every house. Amounts are
    # summed again here, exactly: SQLite's SUM over decimals is floating point, so there
    # its filter only narrows.
    paid = (
        Entry.objects.filter(line=OuterRef("pk"), on_date__lte=as_of)
        .order_by()
        .values("line")
        .annotate(paid=Sum("amount"))
        .values("paid")
    )
    lines = (
        lines.order_by()  # in any order: the houses' ordering would only add joins
        .annotate(paid=Coalesce(Subquery(paid), ZERO))
        .filter(amount__gt=F("paid"))
        .values_list("house_id", "bill_id", "amount", "paid", "bill__due_date")
    )
    extensions = DueDateExtension.objects.filter(project_id__in=project_ids, on_date__lte=as_of).order_by("id")
    if building_id:
        extensions = extensions.filter(bill__house__building_id=building_id)
    extended = dict(extensions.values_list("bill_id", "to_date"))  # the latest extension of each bill
    owed: dict[int, Decimal] = defaultdict(Decimal)
    count: dict[int, int] = defaultdict(int)
    oldest: dict[int, dt.date] = {}
    for house_id, bill_id, amount, paid, due_date in lines.iterator(chunk_size=5000):
        due_date = extended.get(bill_id, due_date)
        open_amount = money(amount - paid)
        if open_amount <= 0 or due_date >= as_of:
            continue
        owed[house_id] += open_amount
        count[house_id] += 1
        oldest[house_id] = min(oldest.get(house_id, due_date), due_date)
    result = ArrearsList(as_of=as_of, houses_total=houses.count())
    result.by_bucket = {key: {"label": label, "houses": 0, "owed": ZERO} for key, label, _b in BUCKETS}
    house_rows = House.objects.filter(pk__in=owed).select_related("project", "building")
    for house in house_rows:
        due = oldest[house.pk]
        row = ArrearsRow(house, money(owed[house.pk]), count[house.pk], due, bucket_of(due, as_of), months_overdue(due, as_of))
        result.rows.append(row)
        result.by_bucket[row.bucket]["houses"] += 1
        result.by_bucket[row.bucket]["owed"] += row.owed
        result.total += row.owed
    result.rows.sort(key=lambda r: (r.oldest_due, -r.owed, r.house.code))
    return result
