"""FEE-12: monthly collection statistics — receivable against received and 收缴率 per
project, building and fee item; the recovery of earlier arrears (清欠率); income by fee
item and payment method; arrears by aging — each figure equal to the ledger's sums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from propdesk.billing.adjustments import line_waive
from propdesk.billing.choices import LineSource, PaymentMethod
from propdesk.billing.collection import collection_report
from propdesk.billing.models import BillLine, Entry, Payment, PaymentReversal
from propdesk.billing.payments import payment_reverse
from propdesk.billing.selectors import line_states
from propdesk.core.money import money_sum

from .conftest import add_house, bill_month, pay

D = dt.date
JUNE = D(2026, 6, 1)


@pytest.fixture
def two_houses(world, fees, occupied, staff, clock):
    """House A (98.50 m²: 197.00 + 10.00 a month) in building 3 and house 5-1-101 (80 m²:
    160.00 + 10.00) in building 5; May billed on June 1st, June on July 1st."""
    other = add_house(world, "101")
    clock.set(2026, 6, 1)
    bill_month(world, staff, 2026, 5)
    clock.set(2026, 7, 1)
    bill_month(world, staff, 2026, 6)
    return world.house_a, other


def test_fee12_collection_rate_is_the_months_received_over_its_net_receivable(two_houses, world, fees, staff, clock):
    house_a, other = two_houses
    june_a = list(BillLine.objects.filter(house=house_a, period=JUNE).order_by("id"))
    clock.set(2026, 7, 5)
    pay(house_a, staff.cashier, "207.00", lines=june_a)  # A pays June in full
    may_other = list(BillLine.objects.filter(house=other, period=D(2026, 5, 1)))
    pay(other, staff.cashier, "182.75", lines=may_other, method=PaymentMethod.WECHAT)  # May with 12.75 late fee
    june_other_fixed = BillLine.objects.get(house=other, period=JUNE, item=fees.fixed)
    line_waive(line=june_other_fixed, reason="减免", by=staff.cashier, approver=staff.manager, amount="10.00")
    report = collection_report(project_ids=[world.project_a.pk], month=JUNE, as_of=D(2026, 7, 20))
    total = report.total
    assert (total.receivable, total.waived, total.received) == (Decimal("377.00"), Decimal("10.00"), Decimal("207.00"))
    assert total.outstanding == Decimal("160.00")
    assert total.rate == Decimal("56.40")  # 207 / 367 = 56.403…%
    buildings = {r.label: (r.receivable, r.received, r.rate) for r in report.by_building}
    assert buildings == {
        "阳光花园 3": (Decimal("207.00"), Decimal("207.00"), Decimal("100.00")),
        "阳光花园 5": (Decimal("170.00"), Decimal("0.00"), Decimal("0.00")),
    }
    items = {r.label: (r.receivable, r.waived, r.received) for r in report.by_item}
    assert items["公共能耗分摊"] == (Decimal("20.00"), Decimal("10.00"), Decimal("10.00"))
    # Arrears recovery in July: May and June (754.00) were open when July began; A's June
    # (207.00) and the other house's May (170.00) came in — its late fee is income, not arrears.
    july = collection_report(project_ids=[world.project_a.pk], month=D(2026, 7, 1), as_of=D(2026, 7, 20))
    assert (july.recovery_total.opening, july.recovery_total.recovered) == (Decimal("754.00"), Decimal("377.00"))
    assert july.recovery_total.rate == Decimal("50.00")
    assert july.total.receivable == 0 and july.total.rate is None
    assert july.income_total == Decimal("389.75")
    assert july.income_by_method == {"cash": Decimal("207.00"), "wechat": Decimal("182.75")}
    assert july.income_by_item["违约金"] == Decimal("12.75")
    assert july.income_by_item["物业管理费"] == Decimal("197.00") + Decimal("160.00")


def _ledger_open(houses, period_filter, as_of: dt.date) -> Decimal:
    """What lines matching `period_filter` still owe by the billing selectors (another road)."""
    return money_sum(
        s.open
        for house in houses
        for s in line_states(house.pk, as_of=as_of)
        if not s.is_late_fee and period_filter(s.line.period)
    )


actions = st.lists(
    st.tuples(
        st.integers(0, 60),  # day offset from June 1st
        st.integers(0, 2),  # which house
        st.sampled_from(["pay", "prepay", "reverse", "waive"]),
        st.integers(1, 40_000),  # cents
        st.sampled_from([PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.TRANSFER]),
    ),
    max_size=10,
)


@settings(
    max_examples=12,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
@example(
    steps=[(0, 0, "pay", 1, PaymentMethod.CASH), (0, 0, "pay", 67, PaymentMethod.CASH), (30, 0, "reverse", 1, PaymentMethod.CASH)]
)
@example(
    steps=[
        (5, 1, "pay", 30_000, PaymentMethod.WECHAT),
        (35, 0, "waive", 5_000, PaymentMethod.CASH),
        (45, 1, "prepay", 100, PaymentMethod.CASH),
    ]
)
def test_fee12_report_figures_equal_ledger_sums(world, fees, occupied, staff, clock, steps):
    """Property: after any payments, prepayments, reversals and waivers over June and July,
    the June and July reports add up — per building and per item to the total; receivable
    to Σ lines; outstanding to what the billing selectors say is open; opening arrears to
    what was open when the month began; income to Σ payments less reversals."""
    with transaction.atomic():
        clock.set(2026, 5, 1)
        extra = add_house(world, "102", area="63.37")
        bill_month(world, staff, 2026, 4)
        clock.set(2026, 6, 1)
        bill_month(world, staff, 2026, 5)
        houses = [world.house_a, extra]
        for offset, which, action, cents, method in sorted(steps):
            clock.set(2026, 6, 1)
            clock.advance(days=offset)
            if clock.today >= D(2026, 7, 1) and not BillLine.objects.filter(period=JUNE).exists():
                bill_month(world, staff, 2026, 6)
            house = houses[which % 2]
            amount = Decimal(cents) / 100
            if action == "pay":
                pay(house, staff.cashier, amount, method=method)
            elif action == "prepay":
                pay(house, staff.cashier, amount, method=method, lines=[])
            elif action == "reverse":
                payment = Payment.objects.filter(house=house, reversal__isnull=True).order_by("-id").first()
                if payment is not None:
                    payment_reverse(payment=payment, reason="冲正", by=staff.cashier, approver=staff.supervisor)
            elif action == "waive":
                state = next((s for s in line_states(house.pk) if s.open > 0 and not s.is_late_fee), None)
                if state is not None:
                    part = min(state.open, amount)
                    line_waive(line=state.line, reason="减免", by=staff.cashier, approver=staff.manager, amount=part)
        clock.set(2026, 8, 5)
        as_of = clock.today
        for month in (D(2026, 5, 1), JUNE, D(2026, 7, 1)):
            report = collection_report(project_ids=[world.project_a.pk], month=month, as_of=as_of)
            lines = BillLine.objects.filter(project=world.project_a, period=month).exclude(source=LineSource.LATE_FEE)
            assert report.total.receivable == money_sum(lines.values_list("amount", flat=True))
            for rows in (report.by_building, report.by_item, report.by_project):
                for attr in ("receivable", "waived", "received"):
                    assert money_sum(getattr(r, attr) for r in rows) == getattr(report.total, attr)
            assert report.total.outstanding == _ledger_open(houses, lambda p, m=month: p == m, as_of)
            first_day = month
            opening = _ledger_open(houses, lambda p, m=month: p < m, first_day - dt.timedelta(days=1))
            charged_on_first = BillLine.objects.filter(project=world.project_a, period__lt=month, charged_on=first_day).exclude(
                source=LineSource.LATE_FEE
            )
            opening += money_sum(charged_on_first.values_list("amount", flat=True))
            assert report.recovery_total.opening == opening
            last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            received = money_sum(
                Payment.objects.filter(project=world.project_a, received_on__gte=month, received_on__lte=last).values_list(
                    "amount", flat=True
                )
            )
            reversed_ = money_sum(
                PaymentReversal.objects.filter(project=world.project_a, on_date__gte=month, on_date__lte=last).values_list(
                    "payment__amount", flat=True
                )
            )
            assert report.income_total == received - reversed_
            assert money_sum(report.income_by_item.values()) == report.income_total == money_sum(report.income_by_method.values())
            # Opening arrears less what was recovered and waived in the month is what they still owe.
            end = min(last, as_of)
            waived = Entry.objects.filter(project=world.project_a, kind="waiver", on_date__gte=month, on_date__lte=end).filter(
                line__period__lt=month, line__charged_on__lte=month
            )
            closing = money_sum(
                s.open
                for house in houses
                for s in line_states(house.pk, as_of=end)
                if not s.is_late_fee and s.line.period < month and s.line.charged_on <= month
            )
            assert opening - report.recovery_total.recovered - money_sum(waived.values_list("amount", flat=True)) == closing
        transaction.set_rollback(True)
