"""A year of bills and payments for the bulk demo scales (`seed_demo --scale medium|large`),
written with COPY (binary, through `core.demo_tickets._Table`; bulk_create elsewhere).

The small and default scales bill through `billing_run` and take every payment through
`payment_take` (billing.demo): milliseconds a house and a payment, hours for 200,000
houses. Here the rows those services would have written are computed in Python:

- Configuration through the services, as billing.demo sets it up (`_setup`): the
  management fee by building area (住宅 2.50, 商铺 5.00, 办公 4.00, 车库储藏 1.00 元/m² a
  month), parking rent and water; unsold and not-handed-over houses are not billed. Each
  project has a cashier: its demo login, else a roster user `<code>-cashier` (no login).
- Bills: the last `months` months, this one included. Each month's lines are the run's
  own plan (`run.Planner`: the status at the end of the month by the MOV-14 history,
  custody 70 % of the management fee — FEE-8), so amounts and descriptions are those of
  `billing_run`; one BillingRun (done) per project and month, bills issued and lines
  charged on the first of the month, due on the 10th of the next (FEE-2).
- Payments by household habit: most pay each month's bill before it is due (66 %), some
  two months at once, still in time (15 %), some weeks late (12 %: the late fee, 0.3 % a
  day — FEE-3 — charged as its own line at payment and paid first); the rest (7 %)
  stopped paying 2 to 12 months ago (12: nothing paid all year) — the arrears' long tail.
  A payment pays whole bills with what they cost on its day, its entries in the ledger's
  allocation order; methods as billing.demo (cash rounded up to the next 100 with change).
  Nothing is paid after today, so this month's bill is open for many (not yet due).
- Receipts: numbered per project in date order from 1, gap-free, and the `receipt`
  counter set to the last (FEE-6), so `payment_take` goes on from there.

Not written: prepaid credit, reversals, waivers, disputes and extensions, cashier
closes, receipt prints, parking rent (billed by the parking app, FEE-10), metered water
(there are no meters at these scales). Deterministic for a given seed and today.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db import connection, transaction
from django.utils import timezone

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.billing.choices import BillKind, EntryKind, LineSource, Payer, PaymentMethod, RunStatus
from propdesk.billing.demo import METHODS, _months_back, _setup
from propdesk.billing.latefee import accrued_late_fee, overdue_days
from propdesk.billing.ledger import late_fee_description
from propdesk.billing.models import Bill, BillingRun, BillLine, Entry, FeeItem, Payment
from propdesk.billing.payments import RECEIPT_COUNTER
from propdesk.billing.run import Planner, due_date_for
from propdesk.core.demo_tickets import _build_indexes, _drop_indexes, _Table
from propdesk.core.models import Counter as NumberCounter
from propdesk.estate.models import House, Project

DEFAULT_SEED = 20240601
MONTHS = 12
# (habit, share in per cent) of the houses billed.
HABITS = (("prompt", 66), ("paired", 15), ("late", 12), ("stopped", 7))
# Months unpaid (this one included) of the houses that stopped paying: a long tail.
STOPPED_MONTHS = (2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 12, 12)
_FIELDS = {  # the column order the rows below are written in, checked against the models
    BillingRun: "id project_id period status started_by_id started_at finished_at houses_total houses_done bills_created "
    "lines_created cursor missing_rates",
    Bill: "id project_id house_id period kind payer due_date issued_on run_id created_by_id created_at",
    BillLine: "id project_id bill_id house_id period source item_id description quantity unit_price percent amount rate_id "
    "charged_on late_fee_of_id created_by_id created_at",
    Payment: "id project_id house_id number payer payer_name method amount tendered change received_on reference "
    "idempotency_key cashier_id created_at",
    Entry: "id project_id house_id line_id kind amount on_date payment_id reverses_id reason created_by_id approved_by_id "
    "created_at",
}


@dataclass
class PlannedPayment:
    """A payment as `payment_take` would be called for it: the house's bills of `periods`."""

    received_on: dt.date
    house_id: int
    periods: tuple[dt.date, ...]
    method: str
    number: int = 0
    amount: Decimal = Decimal(0)
    tendered: Decimal = Decimal(0)
    reference: str = ""
    idempotency_key: str = ""


@dataclass
class BillSeedReport:
    counts: Counter = field(default_factory=Counter)
    bills_paid: int = 0
    arrears_houses: int = 0  # houses owing an overdue bill today
    owing_3_plus: int = 0  # …of them owing three months or more
    owing_all_year: int = 0  # …of them owing every month billed
    payments: dict[int, list[PlannedPayment]] = field(default_factory=dict)  # per project, when kept
    seconds: float = 0.0

    def summary(self) -> str:
        bills = self.counts["billing.Bill"]
        share = f"{self.bills_paid * 100 / bills:.1f}" if bills else "0"
        return (
            f"{bills:,} 账单, {self.counts['billing.BillLine']:,} 账目 (违约金 {self.counts['late_fee_lines']:,}), "
            f"{self.counts['billing.Payment']:,} 收款, {self.counts['billing.Entry']:,} 分录; 已缴 {share}% 账单, "
            f"欠费 {self.arrears_houses:,} 户 (3 个月以上 {self.owing_3_plus:,}, 全年 {self.owing_all_year:,}); "
            f"{self.seconds:.0f}s"
        )


@dataclass
class _Line:
    pk: int
    item_id: int
    description: str
    amount: Decimal
    late_fee_applies: bool


@dataclass
class _Bill:
    pk: int
    period: dt.date
    due_date: dt.date
    lines: list[_Line]


class _Bills:
    def __init__(self, *, months: int, today: dt.date, seed: int, keep_plan: bool, progress: Callable[[str], None]):
        self.periods = _months_back(today, months)
        self.today = today
        self.rng = random.Random(seed)
        self.keep_plan = keep_plan
        self.progress = progress
        self.report = BillSeedReport()
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        for model, names in _FIELDS.items():
            if names.split() != [f.attname for f in model._meta.concrete_fields]:
                raise RuntimeError(f"{model.__name__}'s fields changed: update billing.demo_large")
        self.runs = _Table(BillingRun, json_columns=("missing_rates",))
        self.bills = _Table(Bill)
        self.lines = _Table(BillLine)
        self.payments = _Table(Payment)
        self.entries = _Table(Entry)
        self.habits = [habit for habit, share in HABITS for _ in range(share)]
        self.methods, self.method_weights = zip(*((str(m), w) for m, w in METHODS), strict=True)

    def moment(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def cashier(self, project: Project, staff: dict, index: int) -> User:
        user = staff.get((str(Role.CASHIER), index))
        if user is not None:
            return user
        user, created = User.objects.get_or_create(
            username=f"{project.code}-cashier", defaults={"display_name": "收银员", "kind": User.Kind.STAFF}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, project=project, role=Role.CASHIER)
        self.report.counts["accounts.User"] += created
        return user

    # one project ----------------------------------------------------------------------

    def project(self, project: Project, cashier: User) -> None:
        houses = self.billed(project, cashier)
        payments = self.plan_payments(houses)
        self.pay(project, payments, cashier)
        plans = [plan for plan, _bills in payments]
        self.tally(houses, plans)
        if self.keep_plan:
            self.report.payments[project.pk] = plans

    def billed(self, project: Project, cashier: User) -> dict[int, list[_Bill]]:
        """The months' runs: {house id: its bills, oldest first}. The houses are read once:
        each month's planner plans the same houses at that month's statuses and rates."""
        late_fee = dict(FeeItem.objects.filter(project=project).values_list("pk", "late_fee_applies"))
        by_house: dict[int, list[_Bill]] = {}
        run_rows, bill_rows, line_rows = [], [], []
        project_id, cashier_id = project.pk, cashier.pk
        houses = Planner(project, self.periods[0]).houses(0, 10**9)
        for period in self.periods:
            planner = Planner(project, period)
            plan = planner.plan(houses)
            due = due_date_for(project, period, planner.policy)
            started = self.moment(period, 2)
            run_id = self.runs.next_id()
            bills: dict[int, _Bill] = {}
            for p in plan.lines:
                bill = bills.get(p.house_id)
                if bill is None:
                    bill = bills[p.house_id] = _Bill(self.bills.next_id(), period, due, [])
                    by_house.setdefault(p.house_id, []).append(bill)
                    bill_rows.append(
                        (bill.pk, project_id, p.house_id, period, BillKind.MONTHLY, p.payer, due, period, run_id, cashier_id,
                         started)
                    )  # fmt: skip
                line = _Line(self.lines.next_id(), p.item_id, p.description, p.amount, late_fee[p.item_id])
                bill.lines.append(line)
                line_rows.append(
                    (line.pk, project_id, bill.pk, p.house_id, period, LineSource.RUN, p.item_id, p.description, p.quantity,
                     p.unit_price, p.percent, p.amount, p.rate_id, period, None, cashier_id, started)
                )  # fmt: skip
            missing = json.dumps([list(pair) for pair in sorted(plan.missing_rates)])  # JSON text, as _Table takes it
            run_rows.append(
                (run_id, project_id, period, RunStatus.DONE, cashier_id, started, started + dt.timedelta(minutes=3),
                 len(houses), len(houses), len(bills), len(plan.lines), houses[-1]["pk"] if houses else 0, missing)
            )  # fmt: skip
        self.runs.write(run_rows)
        self.bills.write(bill_rows)
        self.lines.write(line_rows)
        self.report.counts["billing.BillingRun"] += len(run_rows)
        self.report.counts["billing.Bill"] += len(bill_rows)
        self.report.counts["billing.BillLine"] += len(line_rows)
        return by_house

    def plan_payments(self, houses: dict[int, list[_Bill]]) -> list[tuple[PlannedPayment, list[_Bill]]]:
        """Each house's payments by its habit, with the bills each pays, numbered in date
        order (FEE-6)."""
        rng, today = self.rng, self.today
        payments: list[tuple[PlannedPayment, list[_Bill]]] = []
        for house_id in sorted(houses):
            bills = houses[house_id]
            habit = rng.choice(self.habits)
            if habit == "stopped":
                bills = bills[: max(0, len(bills) - rng.choice(STOPPED_MONTHS))]
                habit = "prompt"
            i = 0
            while i < len(bills):
                bill = bills[i]
                group = [bill]
                if habit == "late":
                    day = bill.due_date + dt.timedelta(days=rng.randint(1, 75))
                elif habit == "paired" and i + 1 < len(bills) and bills[i + 1].period <= min(today, bill.due_date):
                    group.append(bills[i + 1])
                    day = bills[i + 1].period + dt.timedelta(days=rng.randint(0, (bill.due_date - bills[i + 1].period).days))
                else:
                    day = bill.period + dt.timedelta(days=rng.randint(2, (bill.due_date - bill.period).days))
                i += len(group)
                if day > today:
                    continue  # not paid yet
                method = rng.choices(self.methods, self.method_weights)[0]
                payments.append((PlannedPayment(day, house_id, tuple(b.period for b in group), method), group))
        payments.sort(key=lambda payment: (payment[0].received_on, payment[0].house_id))
        for number, (plan, _bills) in enumerate(payments, start=1):
            plan.number = number
        return payments

    def pay(self, project: Project, payments: list[tuple[PlannedPayment, list[_Bill]]], cashier: User) -> None:
        rng = self.rng
        project_id, cashier_id = project.pk, cashier.pk
        payment_rows, fee_rows, entry_rows = [], [], []
        for plan, bills in payments:
            house_id, day = plan.house_id, plan.received_on
            at = self.moment(day, rng.randint(8, 17), rng.randrange(60))
            payment_id = self.payments.next_id()
            total = Decimal(0)
            for bill in bills:
                late = day > bill.due_date
                for line in bill.lines:
                    fee = accrued_late_fee(line.amount, bill.due_date, day) if late and line.late_fee_applies else 0
                    if fee > 0:  # FEE-3: charged as its own line at payment, paid first
                        fee_id = self.lines.next_id()
                        description = late_fee_description(line.description, overdue_days(bill.due_date, day), day)
                        fee_rows.append(
                            (fee_id, project_id, bill.pk, house_id, bill.period, LineSource.LATE_FEE, None, description,
                             Decimal(1), fee, 100, fee, None, day, line.pk, cashier_id, at)
                        )  # fmt: skip
                        entry_rows.append(
                            (self.entries.next_id(), project_id, house_id, fee_id, EntryKind.PAYMENT, fee, day, payment_id,
                             None, "", cashier_id, None, at)
                        )  # fmt: skip
                        total += fee
                    entry_rows.append(
                        (self.entries.next_id(), project_id, house_id, line.pk, EntryKind.PAYMENT, line.amount, day,
                         payment_id, None, "", cashier_id, None, at)
                    )  # fmt: skip
                    total += line.amount
            cash = plan.method == PaymentMethod.CASH
            plan.amount = total
            plan.tendered = (total / 100).to_integral_value(rounding=ROUND_CEILING) * 100 if cash else total
            plan.reference = "" if cash else f"{day:%Y%m%d}{rng.randrange(10**8):08d}"
            plan.idempotency_key = f"demo-{project_id}-{house_id}-{day:%Y%m%d}-{bills[0].lines[0].pk}"
            payment_rows.append(
                (payment_id, project_id, house_id, plan.number, Payer.OWNER, "", plan.method, total, plan.tendered,
                 plan.tendered - total, day, plan.reference, plan.idempotency_key, cashier_id, at)
            )  # fmt: skip
        self.lines.write(fee_rows)
        self.payments.write(payment_rows)
        self.entries.write(entry_rows)
        if payments:
            NumberCounter.objects.update_or_create(project=project, key=RECEIPT_COUNTER, defaults={"value": len(payments)})
        self.report.counts["billing.BillLine"] += len(fee_rows)
        self.report.counts["late_fee_lines"] += len(fee_rows)
        self.report.counts["billing.Payment"] += len(payment_rows)
        self.report.counts["billing.Entry"] += len(entry_rows)

    def tally(self, houses: dict[int, list[_Bill]], plans: list[PlannedPayment]) -> None:
        paid: dict[int, set[dt.date]] = {}
        for plan in plans:
            paid.setdefault(plan.house_id, set()).update(plan.periods)
            self.report.bills_paid += len(plan.periods)
        for house_id, bills in houses.items():
            done = paid.get(house_id, set())
            overdue = [b for b in bills if b.period not in done and b.due_date < self.today]
            if overdue:
                self.report.arrears_houses += 1
                self.report.owing_3_plus += len(overdue) >= 3
                self.report.owing_all_year += not done and len(bills) == len(self.periods)


def seed_bills(
    *,
    projects: Sequence[Project],
    staff: dict | None = None,
    months: int = MONTHS,
    today: dt.date | None = None,
    seed: int = DEFAULT_SEED,
    keep_plan: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BillSeedReport:
    """Configure billing in `projects` and write `months` months of bills and payments (see
    the module's docstring). `staff`: the demo logins by (role, project index), for the
    cashiers. With `keep_plan` the report keeps every payment as `payment_take` would be
    called for it (tests). One transaction; on PostgreSQL the ledger tables' secondary
    indexes are dropped first and built once at the end."""
    began = time.monotonic()
    progress = progress or (lambda _message: None)
    staff = staff or {}
    today = today or timezone.localdate()
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        generator = _Bills(months=months, today=today, seed=seed, keep_plan=keep_plan, progress=progress)
        for project in projects:  # before the indexes go: each rate added looks for lines billed with its item (FEE-1)
            _setup(project, admin, generator.periods[0])
        bulk = postgresql and House.objects.filter(project__in=projects).count() >= 10_000
        rebuild = _drop_indexes((Bill, BillLine, Payment, Entry)) if bulk else []
        for index, project in enumerate(projects):
            generator.project(project, generator.cashier(project, staff, index))
            if (index + 1) % 10 == 0 or index + 1 == len(projects):
                progress(
                    f"[{index + 1}/{len(projects)}] 收费: {generator.report.counts['billing.Bill']:,} 账单, "
                    f"{generator.report.counts['billing.Payment']:,} 收款 累计 ({time.monotonic() - began:.0f}s)"
                )
        for table in (generator.runs, generator.bills, generator.lines, generator.payments, generator.entries):
            table.finish()
        if rebuild:
            started = time.monotonic()
            _build_indexes(rebuild)
            progress(f"{len(rebuild)} 个索引已重建 ({time.monotonic() - started:.0f}s)")
        if postgresql:
            with connection.cursor() as cursor:
                for model in (BillingRun, Bill, BillLine, Payment, Entry):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    report = generator.report
    report.seconds = time.monotonic() - began
    return report
