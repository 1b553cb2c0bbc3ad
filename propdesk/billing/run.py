"""The monthly billing run (FEE-2, FEE-8): for every house of a project, the month's line
for each monthly fee item at the rate in force on the first day of the month, due on the
10th of the next month.

- **Who pays what.** A house in custody (托管) pays the policy's share — 70% by default —
  of the management fee (FEE-8, MOV-6); an unsold house, and a sold one not yet handed
  over (未接房), are billed as the project's BillingPolicy says: to the developer (the
  default), to the owner, or not at all, at a percentage. A house's status is the one in
  force at the end of the month by its MOV-14 history; a house whose history starts later
  (recorded in the system after that month) is taken at its current status.
- **Idempotent.** One line per house, month and fee item (a unique constraint); a run
  skips the lines already there, so running a month twice never duplicates, and a later
  run of the same month adds only what is missing (a new house, a new item).
- **Resumable.** Houses are processed in id order, a batch per transaction; the run row
  keeps the last house done, so a run that stopped (a crash, a deploy) resumes after it.
  Only one run of a project and month runs at a time. Each batch is a few queries and two
  bulk inserts (COPY on PostgreSQL), whatever its size: its houses are a range of ids, so
  what they already have is read by range, not by a list of ids.
- **Metered items** (water, electricity, gas — FEE-1) are billed from the month's
  confirmed meter readings (propdesk.metering.billing): quantity = usage × multiplier,
  priced by `metered_amount` (tiers). A held reading holds its line back and a meter
  without a reading is listed as missing; a later run adds the line once it is there.
- **Preview** computes the same lines without writing.
- Prepaid credit of the houses billed is applied to their new lines (and anything older).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import MONTHLY_KINDS, BillKind, FeeKind, LineSource, Payer, RunStatus, Treatment
from propdesk.billing.ledger import lock_house
from propdesk.billing.models import Bill, BillingPolicy, BillingRun, BillLine, Entry, FeeItem
from propdesk.billing.payments import credit_apply_locked
from propdesk.billing.rates import RateTable, billing_policy, metered_amount
from propdesk.core import scoping
from propdesk.core.bulk import insert_rows
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, money, quantity
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, HouseStatusChange, Project

BATCH_SIZE = 500


def _next_month(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def due_date_for(project: Project, period: dt.date, policy: BillingPolicy | None = None) -> dt.date:
    """FEE-2: a month's bill is due on the 10th (the policy's due day) of the next month."""
    policy = policy or billing_policy(project)
    return _next_month(period).replace(day=policy.due_day)


def _period_of(month: dt.date) -> dt.date:
    period = month.replace(day=1)
    if period > timezone.localdate().replace(day=1):
        raise DomainError("billing_run_future", _("不能为未来月份出账（FEE-2）"), field="month", rule="FEE-2")
    return period


# -- Planning (shared by the run and its preview) -------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    house_id: int
    item_id: int
    payer: str
    quantity: Decimal
    unit_price: Decimal
    percent: int
    amount: Decimal
    rate_id: int
    description: str


@dataclass
class Plan:
    lines: list[PlannedLine] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing_rates: set[tuple[str, str]] = field(default_factory=set)
    missing_readings: set[tuple[str, str]] = field(default_factory=set)  # (item code, house code)
    held_readings: set[tuple[str, str]] = field(default_factory=set)  # (item code, house code)


class Planner:
    """Works out a month's lines for batches of houses: the items, rates and policy read
    once (a run keeps its planner from batch to batch); per batch one query for the
    houses' status history."""

    def __init__(self, project: Project, period: dt.date):
        self.project = project
        self.period = period
        self.policy = billing_policy(project)
        self.items = list(FeeItem.objects.filter(project=project, active=True, kind__in=MONTHLY_KINDS).order_by("code"))
        self.rates = RateTable(self.items, period)
        self.cutoff = dt.datetime.combine(_next_month(period), dt.time(0), tzinfo=timezone.get_current_timezone())
        self.month_label = f"{period.year}年{period.month}月"
        from propdesk.metering.billing import MeteredPlanner

        self.metered = MeteredPlanner(project, period)

    def houses(self, after: int, limit: int) -> list[dict]:
        rows = House.objects.filter(project=self.project, pk__gt=after).order_by("pk")
        return list(rows.values("pk", "code", "area", "usage", "sold", "status")[:limit])

    def statuses(self, houses: list[dict]) -> dict[int, str]:
        """Each house's status at the end of the month (MOV-14 history), else its current one.
        `houses` are the project's next houses in id order: read by their id range."""
        in_force: dict[int, str] = {}
        changes = HouseStatusChange.objects.filter(_house_range(houses), house__project=self.project, changed_at__lt=self.cutoff)
        for house_id, to_status in changes.order_by("changed_at", "id").values_list("house_id", "to_status"):
            in_force[house_id] = to_status
        return {h["pk"]: in_force.get(h["pk"], h["status"]) for h in houses}

    def treatment(self, house: dict, status: str) -> tuple[str, int, str] | None:
        """(payer, percent of every item, note) for an unsold or not-handed-over house; None
        when it is not billed; ("", 100, "") for any other house."""
        policy = self.policy
        if not house["sold"]:
            treatment, percent, what = policy.unsold_treatment, policy.unsold_percent, _("未售")
        elif status == HouseStatus.NOT_HANDED_OVER:
            treatment, percent, what = policy.not_handed_over_treatment, policy.not_handed_over_percent, _("未交房")
        else:
            return Payer.OWNER, 100, ""
        if treatment == Treatment.SKIP:
            return None
        payer = Payer.DEVELOPER if treatment == Treatment.DEVELOPER else Payer.OWNER
        note = f"{what} {Payer(payer).label} {percent}%"
        return payer, percent, note

    def plan(self, houses: list[dict]) -> Plan:
        plan = Plan()
        statuses = self.statuses(houses)
        metered = self.metered.batch([h["pk"] for h in houses])
        for house in houses:
            status = statuses[house["pk"]]
            treatment = self.treatment(house, status)
            if treatment is None:
                plan.skipped["unsold" if not house["sold"] else "not_handed_over"] += 1
                continue
            payer, percent, note = treatment
            for item in self.items:
                rate = self.rates.get(item.pk, house["usage"])
                if rate is None:
                    plan.missing_rates.add((item.code, house["usage"]))
                    plan.skipped["no_rate"] += 1
                    continue
                line_percent, line_note = percent, note
                if not note and item.is_management_fee and status == HouseStatus.CUSTODY:
                    line_percent = self.policy.custody_percent  # FEE-8 / MOV-6
                    line_note = _("托管 %(p)s%%") % {"p": line_percent}
                qty = quantity(house["area"]) if item.kind == FeeKind.AREA else Decimal(1)
                price = money(rate.unit_price)
                amount = money(qty * price * Decimal(line_percent) / 100)
                if amount <= 0:
                    plan.skipped["zero"] += 1
                    continue
                description = f"{item.name} {self.month_label}"
                if line_note:
                    description += f"（{line_note}）"
                plan.lines.append(
                    PlannedLine(house["pk"], item.pk, payer, qty, price, line_percent, amount, rate.pk, description[:100])
                )
            for use in metered.get(house["pk"], ()):
                self._plan_metered(plan, house, use, payer, percent, note)
        return plan

    def _plan_metered(self, plan: Plan, house: dict, use, payer: str, percent: int, note: str) -> None:
        """A metered item's line from the month's confirmed readings (FEE-1, FEE-2)."""
        from propdesk.metering.billing import HELD, MISSING

        item = use.item
        if use.state == HELD:
            plan.held_readings.add((item.code, house["code"]))
            plan.skipped["held_reading"] += 1
            return
        if use.state == MISSING:
            plan.missing_readings.add((item.code, house["code"]))
            plan.skipped["no_reading"] += 1
            return
        rate = self.metered.rates.get(item.pk, house["usage"])
        if rate is None:
            plan.missing_rates.add((item.code, house["usage"]))
            plan.skipped["no_rate"] += 1
            return
        qty = quantity(use.quantity)
        full = metered_amount(rate, qty)
        amount = money(full * Decimal(percent) / 100)
        if amount <= 0:
            plan.skipped["zero"] += 1
            return
        price = money(rate.unit_price) if not rate.tiers else money(full / qty)  # tiers: the average price
        description = f"{item.name} {self.month_label} {qty.normalize():f}{item.unit}"
        if note:
            description += f"（{note}）"
        plan.lines.append(PlannedLine(house["pk"], item.pk, payer, qty, price, percent, amount, rate.pk, description[:100]))


def _house_range(houses: list[dict]) -> Q:
    """The id range of a batch of houses (consecutive houses of one project in id order)."""
    return Q(house_id__gte=houses[0]["pk"], house_id__lte=houses[-1]["pk"])


@dataclass
class Issued:
    """What a batch's houses already have: the month's run lines (house, item), monthly
    bills (house → bill) and the houses holding prepaid credit."""

    lines: set[tuple[int, int]] = field(default_factory=set)
    bills: dict[int, int] = field(default_factory=dict)
    credit: set[int] = field(default_factory=set)


_LINE, _BILL, _CREDIT = 1, 2, 3


def _issued(project: Project, houses: list[dict], period: dt.date) -> Issued:
    """The batch's lines, bills and credit holders of the month, in one query."""
    batch = _house_range(houses)
    lines = BillLine.objects.filter(batch, project=project, period=period, source=LineSource.RUN)
    bills = Bill.objects.filter(batch, project=project, period=period, kind=BillKind.MONTHLY)
    pools = Entry.objects.filter(batch, project=project, line__isnull=True).values("house_id")
    pools = pools.annotate(total=Sum("amount")).filter(total__gt=0)
    rows = (
        lines.order_by().values_list(Value(_LINE), "house_id", "item_id")
        .union(bills.order_by().values_list(Value(_BILL), "house_id", "pk"), all=True)
        .union(pools.order_by().values_list(Value(_CREDIT), "house_id", Value(0)), all=True)
    )
    issued = Issued()
    for kind, house_id, value in rows:
        if kind == _LINE:
            issued.lines.add((house_id, value))
        elif kind == _BILL:
            issued.bills[house_id] = value
        else:
            issued.credit.add(house_id)
    return issued


# -- The run ------------------------------------------------------------------------------


@transaction.atomic
def billing_run_start(*, project: Project, month: dt.date, by) -> BillingRun:
    """Start the month's run — or, when one is still running (it stopped half-way), get it
    back to resume. Process it with `billing_run_execute` (a Celery task in production)."""
    scoping.require(by, Cap.FEE_BILL, project.pk)
    period = _period_of(month)
    running = BillingRun.objects.select_for_update().filter(project=project, period=period, status=RunStatus.RUNNING)
    run = running.first()
    if run is not None:
        return run
    try:
        with transaction.atomic():
            return BillingRun.objects.create(
                project=project,
                period=period,
                started_by=by,
                started_at=timezone.now(),
                houses_total=House.objects.filter(project=project).count(),
            )
    except IntegrityError:  # started by someone else at the same moment: theirs
        return BillingRun.objects.filter(project=project, period=period).order_by("-started_at", "-id").first()


def billing_run_step(*, run: BillingRun, batch_size: int = BATCH_SIZE, planner: Planner | None = None) -> BillingRun:
    """Process the next batch of houses in one transaction; the run row is locked, so two
    workers on one run take turns. Returns the run (DONE when no house was left).
    `planner`: the run's, kept from an earlier batch."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().select_related("project").get(pk=run.pk)
        if run.status == RunStatus.DONE:
            return run
        planner = planner or Planner(run.project, run.period)
        houses = planner.houses(run.cursor, batch_size)
        if not houses:
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.houses_done = max(run.houses_done, run.houses_total)
            run.save(update_fields=["status", "finished_at", "houses_done"])
            return run
        plan = planner.plan(houses)
        issued = _issued(run.project, houses, run.period)
        new_lines = [p for p in plan.lines if (p.house_id, p.item_id) not in issued.lines]
        bills_created = _write(run, planner, issued.bills, new_lines)
        _apply_credit(run, issued.credit & {p.house_id for p in new_lines})

        run.cursor = houses[-1]["pk"]
        run.houses_done += len(houses)
        run.bills_created += bills_created
        run.lines_created += len(new_lines)
        missing = {tuple(pair) for pair in run.missing_rates} | plan.missing_rates
        run.missing_rates = [list(pair) for pair in sorted(missing)]
        run.save(update_fields=["cursor", "houses_done", "bills_created", "lines_created", "missing_rates"])
        return run


_BILL_FIELDS = ("project_id", "house_id", "period", "kind", "payer", "due_date", "issued_on", "run_id", "created_by_id")
_LINE_FIELDS = (
    *("project_id", "bill_id", "house_id", "period", "source", "item_id", "description"),
    *("quantity", "unit_price", "percent", "amount", "rate_id", "charged_on", "created_by_id"),
)


def _write(run: BillingRun, planner: Planner, bills: dict[int, int], new_lines: list[PlannedLine]) -> int:
    """The batch's bills not there yet (`bills`: those there) and its lines: two bulk
    inserts, the bills' ids coming back from the first."""
    if not new_lines:
        return 0
    today = timezone.localdate()
    due_date = due_date_for(run.project, run.period, planner.policy)
    bills = dict(bills)
    payer_of = {p.house_id: p.payer for p in new_lines}
    missing = [house_id for house_id in sorted(payer_of) if house_id not in bills]
    project_id, period, by_id = run.project_id, run.period, run.started_by_id
    rows = [
        (project_id, house_id, period, BillKind.MONTHLY.value, payer_of[house_id], due_date, today, run.pk, by_id)
        for house_id in missing
    ]
    bills.update(zip(missing, insert_rows(Bill, _BILL_FIELDS, rows, ids=True), strict=True))
    source = LineSource.RUN.value
    rows = [
        (
            project_id,
            bills[p.house_id],
            p.house_id,
            period,
            source,
            p.item_id,
            p.description,
            p.quantity,
            p.unit_price,
            p.percent,
            p.amount,
            p.rate_id,
            today,
            by_id,
        )
        for p in new_lines
    ]
    insert_rows(BillLine, _LINE_FIELDS, rows)
    return len(missing)


def _apply_credit(run: BillingRun, house_ids: set[int]) -> None:
    """Prepaid credit pays the new lines of the houses that hold some (`house_ids`)."""
    today = timezone.localdate()
    for house_id in sorted(house_ids):
        lock_house(house_id)
        credit_apply_locked(house_id, by=run.started_by, on_date=today)


def billing_run_execute(*, run: BillingRun, batch_size: int = BATCH_SIZE) -> BillingRun:
    """Process a run to the end, a batch per transaction (a stop anywhere loses at most the
    batch in flight, which the next call redoes)."""
    planner = None
    while run.status != RunStatus.DONE:
        planner = planner or Planner(run.project, run.period)
        run = billing_run_step(run=run, batch_size=batch_size, planner=planner)
    return run


def billing_run(*, project: Project, month: dt.date, by, batch_size: int = BATCH_SIZE) -> BillingRun:
    """Start (or resume) the month's run and process it to the end."""
    return billing_run_execute(run=billing_run_start(project=project, month=month, by=by), batch_size=batch_size)


def billing_run_launch(*, project: Project, month: dt.date, by) -> BillingRun:
    """Start (or resume) the month's run and hand it to a worker once this transaction
    commits (the run page polls its progress). The task is idempotent: enqueueing a run
    twice, or a run already done, changes nothing."""
    from functools import partial

    from propdesk.billing.tasks import billing_run_continue

    run = billing_run_start(project=project, month=month, by=by)
    if run.status == RunStatus.RUNNING:
        transaction.on_commit(partial(billing_run_continue.delay, run.pk))
    return run


# -- The preview ---------------------------------------------------------------------------


@dataclass
class RunPreview:
    """What a run of the month would issue now, without writing."""

    period: dt.date
    due_date: dt.date
    houses: int = 0
    houses_billed: int = 0
    lines: int = 0
    total: Decimal = ZERO
    already_issued: int = 0  # lines of the month already there (a run would skip them)
    by_item: dict[str, dict] = field(default_factory=dict)  # item code → {"name", "lines", "total"}
    by_payer: dict[str, Decimal] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # unsold / not_handed_over / no_rate / zero
    missing_rates: list[tuple[str, str]] = field(default_factory=list)  # (item code, usage)
    missing_readings: list[tuple[str, str]] = field(default_factory=list)  # (item code, house code)
    held_readings: list[tuple[str, str]] = field(default_factory=list)  # (item code, house code): awaiting confirmation


def billing_run_preview(*, project: Project, month: dt.date, by, batch_size: int = 2000) -> RunPreview:
    """FEE-2 preview: the lines the month's run would issue now, totalled by fee item and
    payer, with the houses skipped and the rates missing. Reads only."""
    scoping.require(by, Cap.FEE_BILL, project.pk)
    period = _period_of(month)
    planner = Planner(project, period)
    names = {item.pk: (item.code, item.name) for item in [*planner.items, *planner.metered.items]}
    preview = RunPreview(period=period, due_date=due_date_for(project, period, planner.policy))
    skipped: dict[str, int] = defaultdict(int)
    missing: set[tuple[str, str]] = set()
    missing_readings: set[tuple[str, str]] = set()
    held_readings: set[tuple[str, str]] = set()
    billed: set[int] = set()
    cursor = 0
    while houses := planner.houses(cursor, batch_size):
        cursor = houses[-1]["pk"]
        preview.houses += len(houses)
        plan = planner.plan(houses)
        existing = _issued(project, houses, period).lines
        for reason, count in plan.skipped.items():
            skipped[reason] += count
        missing |= plan.missing_rates
        missing_readings |= plan.missing_readings
        held_readings |= plan.held_readings
        for p in plan.lines:
            if (p.house_id, p.item_id) in existing:
                preview.already_issued += 1
                continue
            code, name = names[p.item_id]
            row = preview.by_item.setdefault(code, {"name": name, "lines": 0, "total": ZERO})
            row["lines"] += 1
            row["total"] += p.amount
            preview.by_payer[p.payer] = preview.by_payer.get(p.payer, ZERO) + p.amount
            preview.lines += 1
            preview.total += p.amount
            billed.add(p.house_id)
    preview.houses_billed = len(billed)
    preview.skipped = dict(skipped)
    preview.missing_rates = sorted(missing)
    preview.missing_readings = sorted(missing_readings)
    preview.held_readings = sorted(held_readings)
    return preview
