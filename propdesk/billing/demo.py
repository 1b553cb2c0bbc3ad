"""Demo billing (small and default scales): fee items and rates for the two demo projects,
monthly runs (12 months for the first project, 6 for the second) through the run service,
and a year of payments through `payment_take`, so the cashier's console has a real ledger:

- most houses pay every quarter in advance or on time (cash / WeChat / transfer / Alipay /
  POS), some a few weeks late (their late fees charged at payment, FEE-3);
- about 8% of the billed houses stopped paying 1 to 12 months ago (the arrears list);
- a few paid ahead (prepaid credit), one payment was reversed (冲正, with the supervisor's
  approval) and one late fee waived (减免);
- 阳光花园's 审批 queue: a waiver approved, a late-fee waiver and a reversal waiting, and a
  dispute of this month's bill upheld with its due-date extension waiting.

Unsold and not-handed-over houses are not billed in the demo (the project's billing
policy says so — the developer's account is phase 2b). Payments are taken in date order,
so receipt numbers run with the dates, and back-dated to their day of receipt.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.billing import rates
from propdesk.billing.adjustments import bill_dispute_raise, bill_dispute_resolve, late_fee_waive
from propdesk.billing.approvals import approval_decide, approval_request
from propdesk.billing.arrears import arrears_list
from propdesk.billing.choices import ApprovalKind, BillKind, FeeKind, LineSource, Payer, PaymentMethod, Treatment
from propdesk.billing.ledger import total_due
from propdesk.billing.models import Bill, BillLine, Payment
from propdesk.billing.payments import payment_reverse, payment_take
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import line_states, open_lines
from propdesk.core.money import money
from propdesk.estate.choices import Usage
from propdesk.estate.models import Project

ARREARS_SHARE = 0.08
METHODS = (
    (PaymentMethod.CASH, 35),
    (PaymentMethod.WECHAT, 35),
    (PaymentMethod.TRANSFER, 15),
    (PaymentMethod.ALIPAY, 10),
    (PaymentMethod.POS, 5),
)


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    month = today.replace(day=1)
    out = []
    for _i in range(count):
        out.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _setup(project: Project, admin, start: dt.date) -> None:
    rates.billing_policy_set(project=project, by=admin, unsold_treatment=Treatment.SKIP, not_handed_over_treatment=Treatment.SKIP)
    wyf = rates.fee_item_create(project=project, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=admin)
    ref = "杭价服〔2023〕12号"
    for usage, price in (("", "2.50"), (Usage.SHOP, "5.00"), (Usage.OFFICE, "4.00"), (Usage.STORAGE, "1.00")):
        rates.fee_rate_add(item=wyf, usage=usage, unit_price=price, effective_from=start, approval_ref=ref, by=admin)
    parking = rates.fee_item_create(project=project, code="cwzj", name="车位租金", kind=FeeKind.PARKING, by=admin)
    rates.fee_rate_add(item=parking, unit_price="100.00", effective_from=start, approval_ref=ref, by=admin)  # FEE-10
    water = rates.fee_item_create(project=project, code="water", name="水费", kind=FeeKind.METERED, unit="吨", by=admin)
    rates.fee_rate_add(item=water, unit_price="4.10", effective_from=start, approval_ref="杭价〔2024〕水3号", by=admin)


def _plan_payments(rng: random.Random, project: Project, today: dt.date) -> list[tuple[dt.date, int, list[int], bool]]:
    """(received on, house, line ids, pays extra) for every payment to take."""
    lines = BillLine.objects.filter(project=project, source=LineSource.RUN, bill__payer=Payer.OWNER)
    by_house: dict[int, dict[dt.date, list[tuple[int, dt.date]]]] = defaultdict(lambda: defaultdict(list))
    for pk, house_id, period, due in lines.values_list("pk", "house_id", "period", "bill__due_date"):
        by_house[house_id][period].append((pk, due))
    houses = sorted(by_house)
    in_arrears = set(rng.sample(houses, max(1, round(len(houses) * ARREARS_SHARE)))) if houses else set()
    extra = set(rng.sample([h for h in houses if h not in in_arrears], min(3, len(houses) // 10)))
    planned = []
    for house_id in houses:
        periods = sorted(by_house[house_id])
        if house_id in in_arrears:
            stop = rng.choice([2, 2, 2, 3, 3, 4, 5, 7, 9, 12])  # months unpaid, the current one included
            periods = periods[: max(0, len(periods) - stop)]
        quarterly = rng.random() < 0.8  # most pay by the quarter (and the seed stays quick)
        step = 3 if quarterly else 1
        for i in range(0, len(periods), step):
            chunk = periods[i : i + step]
            first_due = by_house[house_id][chunk[0]][0][1]
            if first_due > today and house_id not in extra and rng.random() < 0.6:
                continue  # this month's bill, not due yet: most have not paid it
            late = rng.random() < 0.06
            day = first_due + dt.timedelta(days=rng.randint(8, 40)) if late else first_due - dt.timedelta(days=rng.randint(0, 25))
            day = min(day, today)
            ids = [pk for period in chunk for pk, _due in by_house[house_id][period]]
            planned.append((day, house_id, ids, house_id in extra and i + step >= len(periods)))
    planned.sort(key=lambda p: (p[0], p[1]))
    return planned


def _take(rng: random.Random, planned, project: Project, cashier) -> list[Payment]:
    payments = []
    methods, weights = zip(*METHODS, strict=True)
    today = timezone.localdate()
    for day, house_id, ids, pays_extra in planned:
        states = [s for s in line_states(house_id, as_of=today, late_fee_on=day) if s.total > 0]
        chosen = [s for s in states if s.line.pk in ids or s.principal_id in ids]
        if not chosen:
            continue
        amount = total_due(chosen) + (Decimal("600.00") if pays_extra else 0)
        method = rng.choices(methods, weights)[0]
        tendered = None
        if method == PaymentMethod.CASH:
            tendered = (amount / 100).to_integral_value(rounding="ROUND_CEILING") * 100
        payment = payment_take(
            house=chosen[0].line.house,
            by=cashier,
            method=method,
            amount=amount,
            tendered=tendered,
            lines=[s.line for s in chosen],
            idempotency_key=f"demo-{project.pk}-{house_id}-{day:%Y%m%d}-{ids[0]}",
            received_on=day,
            reference="" if method == PaymentMethod.CASH else f"{day:%Y%m%d}{rng.randrange(10**8):08d}",
        )
        payments.append(payment)
    # Back-date each receipt to its day of receipt (the daily close reads created_at).
    tz = timezone.get_current_timezone()
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for payment in payments:
        by_day[payment.received_on].append(payment.pk)
    for day, pks in by_day.items():
        moment = dt.datetime.combine(day, dt.time(10), tzinfo=tz)
        models.QuerySet.update(Payment.objects.filter(pk__in=pks), created_at=moment)  # demo back-dating only
    return payments


def _seed_approvals(project: Project, owing, *, biller, approver, recorder) -> dict[str, int]:
    """阳光花园's 审批 and 账单异议 pages with something on them (FEE-3/4/5): a waiver
    approved by the supervisor, two waiver/reversal requests waiting, and a dispute of this
    month's bill upheld, with its due-date extension waiting for approval."""
    counts: dict[str, int] = defaultdict(int)
    if approver is None or approver.pk == biller.pk or len(owing) < 3:
        return counts
    today = timezone.localdate()
    first = next((s for s in open_lines(owing[1].house) if not s.is_late_fee and s.open > 0), None)
    if first is not None:
        done = approval_request(
            kind=ApprovalKind.LINE_WAIVER,
            line=first.line,
            amount=money(min(first.open, Decimal("20.00"))),
            reason="电梯停运两周，经业委会同意减免部分物业费",
            by=biller,
        )
        approval_decide(approval=done, approve=True, by=approver, note="同意，按业委会决议执行")
        counts["billing.ApprovalRequest"] += 1
    fee = next((s for s in open_lines(owing[2].house) if not s.is_late_fee and s.late_fee > 0), None)
    if fee is not None:
        approval_request(kind=ApprovalKind.LATE_FEE_WAIVER, line=fee.line, reason="业主长期出国，未收到缴费通知", by=biller)
        counts["billing.ApprovalRequest"] += 1
    payment = Payment.objects.filter(project=project, reversal__isnull=True).order_by("-number").first()
    if payment is not None:
        approval_request(kind=ApprovalKind.REVERSAL, payment=payment, reason="POS 重复刷卡，银行已退款", by=biller)
        counts["billing.ApprovalRequest"] += 1
    bill = (
        Bill.objects.filter(
            project=project, period=today.replace(day=1), kind=BillKind.MONTHLY, due_date__gt=today + dt.timedelta(days=5)
        )
        .order_by("id")
        .first()
    )
    if bill is not None:
        dispute = bill_dispute_raise(
            bill=bill, reason="本月公共能耗分摊与上月差异过大，要求核对", customer_name="业主", by=recorder
        )
        bill_dispute_resolve(dispute=dispute, upheld=True, resolution="电表读数录入有误，已更正并申请延期缴费", by=approver)
        approval_request(
            kind=ApprovalKind.EXTENSION,
            bill=bill,
            to_date=bill.due_date + dt.timedelta(days=20),
            dispute=dispute,
            reason="读数更正后重新发送通知单",
            by=biller,
        )
        counts["billing.BillDispute"] += 1
        counts["billing.ApprovalRequest"] += 1
    return counts


@transaction.atomic
def seed_billing(*, projects: list[Project], staff: dict, rng: random.Random) -> dict[str, int]:
    """Fee items, 12 (6) months of runs and a year of payments; returns counts. `staff`:
    the demo logins by (role, project index)."""
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    today = timezone.localdate()
    counts: dict[str, int] = defaultdict(int)
    for index, project in enumerate(projects[:2]):
        months = _months_back(today, 12 if index == 0 else 6)
        _setup(project, admin, months[0])
        biller = staff.get(("cashier", index), admin)
        for month in months:
            run = billing_run(project=project, month=month, by=biller)
            counts["billing.BillLine"] += run.lines_created
        payments = _take(rng, _plan_payments(rng, project, today), project, biller)
        counts["billing.Payment"] += len(payments)
        if index == 0 and payments:
            approver = staff.get(("supervisor", 0), admin)
            mistaken = payments[len(payments) // 2]
            payment_reverse(payment=mistaken, reason="收错房屋，已退回重收", by=biller, approver=approver)
            counts["billing.PaymentReversal"] += 1
            owing = arrears_list(project_ids=[project.pk]).rows
            if owing:  # the late fee of the house longest in arrears, waived in part
                state = next(s for s in open_lines(owing[0].house) if s.late_fee > 0)
                reason = "业主因住院逾期，经主管批准减免一半违约金"
                late_fee_waive(line=state.line, reason=reason, by=biller, approver=approver, amount=money(state.late_fee / 2))
                counts["billing.waiver"] += 1
            recorder = staff.get(("assistant", 0), biller)
            for key, count in _seed_approvals(project, owing, biller=biller, approver=approver, recorder=recorder).items():
                counts[key] += count
    return dict(counts)
