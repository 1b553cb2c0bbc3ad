"""Reads of dunning (FEE-7): a house's overdue debt, where it stands on the ladder and what
is due next, whether promises were kept and instalments paid (read from the ledger's
payments), the limitation warning (诉讼时效), and the worklist.

Payments count on their day of receipt (FEE-5); a reversed payment counts as never made.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.arrears import arrears_list
from propdesk.billing.choices import Payer
from propdesk.billing.models import BillLine, Entry, Payment
from propdesk.billing.selectors import LineState, line_states
from propdesk.core.money import ZERO, money, money_sum
from propdesk.dunning.choices import (
    REMINDERS,
    STAGE,
    CaseStatus,
    InstalmentStatus,
    PlanStatus,
    PromiseStatus,
    StepKind,
)
from propdesk.dunning.models import DunningCase, DunningStep, Instalment, InstalmentPlan, PaymentPromise

LETTER_AFTER_MONTHS = 3  # FEE-7: unpaid three months after the reminder → demand letter
LIMITATION_YEARS = 3  # 民法典 第一百八十八条: three years
LIMITATION_WARN_DAYS = 90  # default; settings.DUNNING_LIMITATION_WARN_DAYS overrides
VISIT_AFTER_DAYS = 15  # a home visit is due this long after a letter without a deadline


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, the day clamped to the month's end
    (11-30 + 3 → 02-28/29)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def warn_days() -> int:
    return int(getattr(settings, "DUNNING_LIMITATION_WARN_DAYS", LIMITATION_WARN_DAYS))


# -- the debt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Debt:
    """What a house owes overdue on a day (owner's account): the open lines past due,
    their live late fee (FEE-3) and the total demanded."""

    as_of: dt.date
    lines: list[LineState]
    owed: Decimal
    late_fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.owed + self.late_fees

    def by_month(self) -> list[dict]:
        """The lines by billing month for the demand letter: month, items, open, late fee."""
        months: dict[dt.date, dict] = {}
        for state in self.lines:
            row = months.setdefault(state.line.period, {"period": state.line.period, "items": [], "open": ZERO, "late_fee": ZERO})
            row["items"].append(state)
            row["open"] += state.open
            row["late_fee"] += state.late_fee
        return [months[key] for key in sorted(months)]


def house_debt(house_id: int, *, as_of: dt.date | None = None) -> Debt:
    """The house's overdue debt on `as_of` (default today): its owner lines open and past
    their due date (a charged late fee is due at once) with the live late fees."""
    as_of = as_of or timezone.localdate()
    states = [
        s
        for s in line_states(house_id, as_of=as_of, payer=Payer.OWNER)
        if s.open > 0 and (s.due_date < as_of if not s.is_late_fee else True)
    ]
    return Debt(as_of, states, money_sum(s.open for s in states), money_sum(s.late_fee for s in states))


def payments_between(house_ids, start: dt.date, end: dt.date) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """{house id: [(day received, amount)]} of the owner's payments received from `start`
    to `end` (inclusive) and not reversed by `end`, in date order."""
    rows = (
        Payment.objects.filter(house_id__in=house_ids, payer=Payer.OWNER, received_on__gte=start, received_on__lte=end)
        .exclude(reversal__on_date__lte=end)
        .order_by("received_on", "id")
        .values_list("house_id", "received_on", "amount")
    )
    out: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for house_id, day, amount in rows:
        out[house_id].append((day, amount))
    return out


def paid_between(house_id: int, start: dt.date, end: dt.date) -> Decimal:
    return money_sum(amount for _day, amount in payments_between([house_id], start, end).get(house_id, []))


# -- promises and instalments ------------------------------------------------------------------


def promise_status(promise: PaymentPromise, *, as_of: dt.date | None = None) -> str:
    """Kept when the payments received from the day of the promise to the promised day
    reach the amount; broken when that day has passed without them; pending before."""
    as_of = as_of or timezone.localdate()
    paid = paid_between(promise.house_id, promise.on_date, min(as_of, promise.promised_date))
    if paid >= promise.amount:
        return PromiseStatus.KEPT
    return PromiseStatus.BROKEN if as_of > promise.promised_date else PromiseStatus.PENDING


@dataclass(frozen=True)
class InstalmentState:
    instalment: Instalment
    status: str
    paid_towards: Decimal  # of this instalment, from the payments counted by its due date or as_of


def instalment_states(plan: InstalmentPlan, *, as_of: dt.date | None = None) -> list[InstalmentState]:
    """Each instalment's status: payments received since the plan's day fill the
    instalments in order. An instalment is paid when the payments received by its due date
    cover it and every earlier one; late when its due date has passed without that;
    pending (not yet due) otherwise."""
    as_of = as_of or timezone.localdate()
    instalments = list(plan.instalments.order_by("seq"))
    payments = payments_between([plan.house_id], plan.on_date, as_of).get(plan.house_id, [])
    states = []
    cumulative = ZERO
    for inst in instalments:
        cumulative += inst.amount
        by_due = money_sum(a for day, a in payments if day <= inst.due_date)
        by_now = money_sum(a for _d, a in payments)
        before = cumulative - inst.amount
        towards = min(inst.amount, max(ZERO, by_now - before))
        if by_due >= cumulative:
            status = InstalmentStatus.PAID
        elif as_of > inst.due_date:
            status = InstalmentStatus.LATE
        else:
            status = InstalmentStatus.PENDING
        states.append(InstalmentState(inst, status, towards))
    return states


# -- the ladder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NextAction:
    kind: str  # a StepKind, or "" when nothing is due on the ladder
    label: str
    due: dt.date | None  # from this day on


@dataclass
class Ladder:
    """Where a case stands: its steps, the highest rung reached and the next step due."""

    steps: list[DunningStep]
    first_reminder: DunningStep | None
    last_letter: DunningStep | None
    last_visit: DunningStep | None
    stage: str  # the kind of the highest rung reached ("" before any)
    next: NextAction

    @property
    def letter_from(self) -> dt.date | None:
        """The first day a demand letter may go out (FEE-7)."""
        return add_months(self.first_reminder.on_date, LETTER_AFTER_MONTHS) if self.first_reminder else None


def ladder_of(steps: list[DunningStep], *, as_of: dt.date) -> Ladder:
    """The ladder of a case from its steps (in date order)."""
    first_reminder = next((s for s in steps if s.kind in REMINDERS), None)
    letters = [s for s in steps if s.kind == StepKind.LETTER]
    visits = [s for s in steps if s.kind == StepKind.VISIT]
    top = max(steps, key=lambda s: (STAGE[s.kind], s.on_date, s.pk), default=None)
    stage = top.kind if top else ""
    if top is None:
        nxt = NextAction(StepKind.PHONE, str(_("电话/短信提醒")), as_of)
    elif STAGE[top.kind] == 1:
        due = add_months(first_reminder.on_date, LETTER_AFTER_MONTHS)
        nxt = NextAction(StepKind.LETTER, str(_("寄送催缴函")), due)
    elif top.kind == StepKind.LETTER:
        letter = letters[-1]
        nxt = NextAction(
            StepKind.VISIT, str(_("上门催缴")), letter.deadline or letter.on_date + dt.timedelta(days=VISIT_AFTER_DAYS)
        )
    elif top.kind == StepKind.VISIT:
        nxt = NextAction(StepKind.LEGAL, str(_("移交法务（项目经理决定）")), None)
    else:
        nxt = NextAction("", str(_("法务处理中")), None)
    return Ladder(steps, first_reminder, letters[-1] if letters else None, visits[-1] if visits else None, stage, nxt)


def open_case(house_id: int) -> DunningCase | None:
    return DunningCase.objects.filter(house_id=house_id, status=CaseStatus.OPEN).first()


# -- limitation (诉讼时效) ------------------------------------------------------------------------


def last_demands(house_ids, *, as_of: dt.date) -> dict[int, dt.date]:
    """{house id: the day of the last recorded demand or promise}: a step of any kind (a
    reminder, a letter, a visit, a legal referral — each a demand for payment) or a promise
    to pay (the debtor agreeing to pay) by `as_of`. Either restarts the limitation period
    (民法典 第一百九十五条)."""
    out: dict[int, dt.date] = {}
    steps = DunningStep.objects.filter(house_id__in=house_ids, on_date__lte=as_of).values("house_id").annotate(d=Max("on_date"))
    for row in steps:
        out[row["house_id"]] = row["d"]
    promises = (
        PaymentPromise.objects.filter(house_id__in=house_ids, on_date__lte=as_of).values("house_id").annotate(d=Max("on_date"))
    )
    for row in promises:
        out[row["house_id"]] = max(out.get(row["house_id"], row["d"]), row["d"])
    return out


@dataclass(frozen=True)
class LimitationWarning:
    """A debt (one open bill line) whose limitation period ends within the warning window
    (or has ended) with no demand recorded since it fell due or since the last demand."""

    line: BillLine
    open: Decimal
    due_date: dt.date
    last_demand: dt.date | None
    expires_on: dt.date
    days_left: int  # negative: expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def limitation_warnings(*, project_ids, as_of: dt.date | None = None, days: int | None = None) -> list[LimitationWarning]:
    """Every open owner line of `project_ids` whose three-year limitation period — from its
    due date, restarted by the house's last recorded demand or promise — ends within `days`
    (default DUNNING_LIMITATION_WARN_DAYS, 90) of `as_of`, or has already ended; the
    nearest expiry first. A line whose due date was later than the window can't qualify,
    so only lines due on or before `as_of + days − 3 years` are read."""
    as_of = as_of or timezone.localdate()
    days = warn_days() if days is None else days
    horizon = as_of + dt.timedelta(days=days)
    cutoff = add_years(horizon, -LIMITATION_YEARS)
    lines = list(
        # The bill's project (always the line's) lets the database read the projects' bills by
        # index rather than scan every bill for the due-date test.
        BillLine.objects.filter(project_id__in=project_ids, bill__project_id__in=project_ids)
        .filter(bill__payer=Payer.OWNER, charged_on__lte=as_of)
        .filter(Q(late_fee_of__isnull=True, bill__due_date__lte=cutoff) | Q(late_fee_of__isnull=False, charged_on__lte=cutoff))
        .select_related("house", "house__project", "bill")
        .order_by("id")
    )
    if not lines:
        return []
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for line_id, amount in Entry.objects.filter(line__in=lines, on_date__lte=as_of).values_list("line_id", "amount"):
        paid[line_id] += amount
    demands = last_demands({line.house_id for line in lines}, as_of=as_of)
    out = []
    for line in lines:
        open_amount = money(line.amount - paid[line.pk])
        if open_amount <= 0:
            continue
        due = line.charged_on if line.is_late_fee else line.bill.due_date
        demand = demands.get(line.house_id)
        start = max(due, demand) if demand else due
        expires = add_years(start, LIMITATION_YEARS)
        if expires <= horizon:
            out.append(
                LimitationWarning(
                    line, open_amount, due, demand if demand and demand >= due else None, expires, (expires - as_of).days
                )
            )
    out.sort(key=lambda w: (w.expires_on, w.line.house.code, w.line.pk))
    return out


# -- the worklist ------------------------------------------------------------------------------


@dataclass
class WorkRow:
    """A house in arrears on the worklist: its arrears row, its case and ladder, the
    promise follow-ups due and the active plan's next instalment."""

    arrears: object  # billing.arrears.ArrearsRow
    case: DunningCase | None
    ladder: Ladder
    promises_due: list[PaymentPromise] = field(default_factory=list)
    next_instalment: Instalment | None = None

    @property
    def action_due(self) -> bool:
        return self.ladder.next.due is not None and self.ladder.next.due <= self.ladder_as_of

    ladder_as_of: dt.date = dt.date.min


@dataclass
class Worklist:
    as_of: dt.date
    rows: list[WorkRow]
    by_bucket: dict
    total: Decimal
    warnings: list[LimitationWarning]


def worklist(*, project_ids, building_id: int | None = None, as_of: dt.date | None = None) -> Worklist:
    """The dunning worklist (催缴工作台): every house in arrears (FEE-7's list, with aging
    buckets), its current rung and next action with its date, promise follow-ups due and
    the next instalment of an active plan; plus the limitation warnings. A fixed number
    of queries for any number of houses."""
    as_of = as_of or timezone.localdate()
    arrears = arrears_list(project_ids=project_ids, building_id=building_id, as_of=as_of)
    house_ids = [row.house.pk for row in arrears.rows]
    cases = {
        c.house_id: c
        for c in DunningCase.objects.filter(house_id__in=house_ids, status=CaseStatus.OPEN).select_related("collector")
    }
    steps: dict[int, list[DunningStep]] = defaultdict(list)
    for step in DunningStep.objects.filter(case__in=cases.values()).order_by("on_date", "id"):
        steps[step.case_id].append(step)
    promises: dict[int, list[PaymentPromise]] = defaultdict(list)
    due_promises = list(
        PaymentPromise.objects.filter(
            case__in=cases.values(), follow_up_date__lte=as_of, broken_flagged_on__isnull=True
        ).order_by("follow_up_date")
    )
    if due_promises:  # kept ones need no follow-up (as `promise_status`, in one query)
        paid = payments_between({p.house_id for p in due_promises}, min(p.on_date for p in due_promises), as_of)
        for promise in due_promises:
            received = money_sum(a for d, a in paid.get(promise.house_id, []) if promise.on_date <= d <= promise.promised_date)
            if received < promise.amount:
                promises[promise.case_id].append(promise)
    next_inst: dict[int, Instalment] = {}
    plans = InstalmentPlan.objects.filter(case__in=cases.values(), status=PlanStatus.ACTIVE)
    firsts = Instalment.objects.filter(plan__in=plans, due_date__gte=as_of).values("plan_id").annotate(d=Min("due_date"))
    wanted = {(r["plan_id"], r["d"]) for r in firsts}
    for inst in Instalment.objects.filter(plan__in=plans, due_date__gte=as_of).select_related("plan"):
        if (inst.plan_id, inst.due_date) in wanted:
            next_inst.setdefault(inst.plan.case_id, inst)
    rows = []
    for arrears_row in arrears.rows:
        case = cases.get(arrears_row.house.pk)
        case_steps = steps.get(case.pk, []) if case else []
        row = WorkRow(arrears_row, case, ladder_of(case_steps, as_of=as_of), ladder_as_of=as_of)
        if case:
            row.promises_due = promises.get(case.pk, [])
            row.next_instalment = next_inst.get(case.pk)
        rows.append(row)
    warnings = limitation_warnings(project_ids=project_ids, as_of=as_of)
    if building_id:
        warnings = [w for w in warnings if w.line.house.building_id == building_id]
    return Worklist(as_of, rows, arrears.by_bucket, arrears.total, warnings)
