"""FEE-3: the late fee — 0.3% of the overdue amount per day from the first overdue day,
simple interest on the principal, exact to the fen, half-up — shown live, charged as its
own line at payment; waivers and reductions only with an approver holding FEE_APPROVE."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.billing.adjustments import late_fee_waive, line_waive
from propdesk.billing.choices import EntryKind, LineSource
from propdesk.billing.latefee import accrued_late_fee, late_fee, overdue_days
from propdesk.billing.models import BillLine, Entry
from propdesk.billing.selectors import house_balance, open_lines
from propdesk.core.errors import DomainError

from .conftest import bill_month, pay

DUE = dt.date(2026, 7, 10)


def hand_formula(amount: Decimal, days: int) -> Decimal:
    """amount × 3 / 1000 × days, rounded half-up to the fen — in integer fen, no Decimal."""
    fen = int(amount * 100)
    thousandths_of_fen = fen * 3 * days  # exact value × 1000, in fen
    rounded_fen = (2 * thousandths_of_fen + 1000) // 2000  # half-up
    return Decimal(rounded_fen) / 100


# -- the arithmetic ------------------------------------------------------------------------


@given(
    amount=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999999.99"), places=2),
    days=st.integers(min_value=0, max_value=3650),
)
def test_fee3_late_fee_for_any_amount_and_days_equals_the_hand_formula(amount, days):
    assert late_fee(amount, DUE, DUE + dt.timedelta(days=days)) == hand_formula(amount, days)


def test_fee3_first_overdue_day_is_the_day_after_the_due_date():
    assert overdue_days(DUE, DUE) == 0
    assert late_fee("1000", DUE, DUE) == Decimal("0.00")  # paying on the due date is on time
    assert late_fee("1000", DUE, DUE + dt.timedelta(days=1)) == Decimal("3.00")
    assert late_fee("1000", DUE, DUE - dt.timedelta(days=5)) == Decimal("0.00")


def test_fee3_worked_examples_exact_to_the_fen_half_up():
    assert late_fee("123.45", DUE, dt.date(2026, 8, 9)) == Decimal("11.11")  # 11.1105
    assert late_fee("0.50", DUE, dt.date(2026, 7, 13)) == Decimal("0.00")  # 0.0045
    assert late_fee("0.50", DUE, dt.date(2026, 7, 14)) == Decimal("0.01")  # 0.006
    assert late_fee("1.50", DUE, dt.date(2026, 7, 11)) == Decimal("0.00")  # 0.0045 → 0.00
    assert late_fee("5.00", DUE, dt.date(2026, 7, 11)) == Decimal("0.02")  # 0.015 → 0.02 (half-up)


def test_fee3_simple_interest_never_compounds():
    """A year overdue costs 365 × 0.3% of the principal — not (1.003^365 − 1)."""
    assert late_fee("1000", DUE, DUE + dt.timedelta(days=365)) == Decimal("1095.00")


def test_fee3_floats_are_refused():
    with pytest.raises(TypeError):
        late_fee(100.0, DUE, DUE)


@given(
    principal_fen=st.integers(min_value=1, max_value=10_000_000),
    parts=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 100)), max_size=4),
    end=st.integers(0, 120),
)
def test_fee3_part_payments_accrue_each_stretch_at_the_principal_then_open(principal_fen, parts, end):
    """With part payments the accrued fee is the sum, stretch by stretch, of the hand
    formula on the principal open during the stretch (a payment on day D counts from D+1)."""
    principal = Decimal(principal_fen) / 100
    credits, left = [], principal
    for offset, share in sorted(parts):
        amount = min(left, (principal * share / 100).quantize(Decimal("0.01")))
        if amount <= 0:
            continue
        credits.append((DUE + dt.timedelta(days=offset), amount))
        left -= amount
    on_date = DUE + dt.timedelta(days=end)

    expected, open_, start = Decimal(0), principal, 0
    for day, amount in credits:
        offset = (day - DUE).days
        if offset >= end:
            break
        expected += hand_formula(open_, max(0, offset - start))
        open_ -= amount
        start = max(start, offset)
    expected += hand_formula(open_, max(0, end - start))
    assert accrued_late_fee(principal, DUE, on_date, credits) == expected


# -- on the ledger ------------------------------------------------------------------------


def test_fee3_live_late_fee_is_shown_on_the_open_lines(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)  # due 2026-07-10
    clock.set(2026, 8, 1)  # 22 days overdue
    lines = open_lines(occupied)
    management = next(s for s in lines if s.line.item == fees.management)
    assert (management.open, management.overdue_days) == (Decimal("197.00"), 22)
    assert management.late_fee == Decimal("13.00")  # 197 × 0.003 × 22 = 13.002
    fixed = next(s for s in lines if s.line.item == fees.fixed)
    assert fixed.late_fee == Decimal("0.66")
    assert not BillLine.objects.filter(source=LineSource.LATE_FEE).exists()  # live, not yet charged
    assert house_balance(occupied) == Decimal("207.00")


def test_fee3_late_fee_is_charged_as_its_own_line_at_payment(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    payment = pay(occupied, staff.cashier, "220.66")
    fee_lines = BillLine.objects.filter(source=LineSource.LATE_FEE).order_by("amount")
    assert [line.amount for line in fee_lines] == [Decimal("0.66"), Decimal("13.00")]
    assert {line.late_fee_of.item for line in fee_lines} == {fees.management, fees.fixed}
    assert sum(e.amount for e in payment.entries.all()) == Decimal("220.66")
    assert open_lines(occupied) == []
    assert house_balance(occupied) == Decimal("0.00")


def test_fee3_late_fee_runs_on_what_stays_open_after_a_part_payment(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 7, 20)  # 10 days overdue: 197 → 5.91, 10 → 0.30
    # Oldest first, line by line, each late fee before its line: the fixed fee's 0.30 and
    # 10.00, then the management fee's 5.91 and 83.79 of its 197.00.
    pay(occupied, staff.cashier, "100.00")
    (management,) = open_lines(occupied)
    assert (management.line.item, management.open, management.late_fee) == (fees.management, Decimal("113.21"), 0)
    clock.set(2026, 7, 30)  # 10 more days on 113.21 → 3.3963
    (management,) = open_lines(occupied)
    assert management.late_fee == Decimal("3.40")


def test_fee3_late_fee_lines_earn_no_late_fee(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    management = BillLine.objects.get(item=fees.management)
    # Waiving 1.00 of it charges the live fee (13.00) as a line first; 12.00 stays open.
    entries = late_fee_waive(line=management, reason="测试", by=staff.supervisor, approver=staff.supervisor, amount="1.00")
    fee_line = entries[0].line
    clock.set(2026, 9, 1)
    fee_state = next(s for s in open_lines(occupied) if s.line == fee_line)
    assert (fee_state.open, fee_state.late_fee) == (Decimal("12.00"), Decimal("0.00"))


def test_fee3_a_waiver_is_a_new_credit_entry_with_reason_and_approver(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    management = BillLine.objects.get(item=fees.management)
    entries = late_fee_waive(line=management, reason="业主困难，经理批准减免", by=staff.cashier, approver=staff.manager)
    assert len(entries) == 1
    waiver = entries[0]
    assert (waiver.kind, waiver.amount, waiver.approved_by, waiver.created_by) == (
        EntryKind.WAIVER,
        Decimal("13.00"),
        staff.manager,
        staff.cashier,
    )
    assert waiver.reason == "业主困难，经理批准减免"
    state = next(s for s in open_lines(occupied) if s.line == management)
    assert state.late_fee == Decimal("0.00")  # charged and waived: the days so far are settled


def test_fee3_waivers_need_an_approver_holding_fee_approve(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    management = BillLine.objects.get(item=fees.management)
    for approver in (staff.cashier, staff.assistant, world.users[("supervisor", "b")], None):
        with pytest.raises(DomainError) as error:
            late_fee_waive(line=management, reason="减免", by=staff.cashier, approver=approver)
        assert (error.value.code, error.value.rule) == ("approver_not_allowed", "FEE-3")
    with pytest.raises(DomainError) as error:
        line_waive(line=management, reason=" ", by=staff.cashier, approver=staff.supervisor)
    assert error.value.code == "waiver_reason_required"
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists()


def test_fee3_a_reduction_of_a_line_keeps_the_late_fee_accrued_before_it(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 7, 20)  # 10 days on 197.00 → 5.91
    management = BillLine.objects.get(item=fees.management)
    line_waive(line=management, reason="面积核减", by=staff.cashier, approver=staff.supervisor, amount="97.00")
    with pytest.raises(DomainError) as error:
        line_waive(line=management, reason="再减", by=staff.cashier, approver=staff.supervisor, amount="100.01")
    assert error.value.code == "waiver_amount_invalid"
    clock.set(2026, 7, 30)  # + 10 days on 100.00 → 3.00
    state = next(s for s in open_lines(occupied) if s.line == management)
    assert (state.open, state.late_fee) == (Decimal("100.00"), Decimal("8.91"))


def test_fee3_one_off_items_accrue_no_late_fee_by_default(world, fees, occupied, staff, clock):
    from propdesk.billing.adjustments import charge_add

    charge_add(house=occupied, item=fees.repair, by=staff.cashier, unit_price="80.00", description="更换水龙头")
    clock.set(2026, 12, 1)
    (state,) = open_lines(occupied)
    assert (state.open, state.late_fee) == (Decimal("80.00"), Decimal("0.00"))
