"""Money is a ledger (design idea 4): bills, lines, entries, payments, reversals are never
edited or deleted — corrections are new entries — and a house's balance is derived:
Σ lines − Σ entries, whatever happened to it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.billing.adjustments import charge_add, late_fee_waive, line_waive
from propdesk.billing.choices import EntryKind, PaymentMethod
from propdesk.billing.latefee import accrued_late_fee
from propdesk.billing.models import Bill, BillLine, Entry, Payment, PaymentReversal
from propdesk.billing.payments import credit_apply, payment_reverse
from propdesk.billing.selectors import credit_balance, house_balance, line_states, open_lines
from propdesk.core.errors import DomainError

from .conftest import bill_month, pay


@pytest.mark.parametrize("model", [Bill, BillLine, Entry, Payment])
def test_ledger_rows_are_never_edited_or_deleted(world, fees, occupied, staff, model):
    bill_month(world, staff, 2026, 6)
    pay(occupied, staff.cashier, "100.00")
    row = model.objects.first()
    for attempt in (row.save, row.delete, model.objects.all().delete, lambda: model.objects.update(project=world.project_b)):
        with pytest.raises(DomainError) as error:
            attempt()
        assert error.value.code == "ledger_immutable"
    with pytest.raises(DomainError):
        model.objects.bulk_update([row], ["project"])
    assert model.objects.filter(project=world.project_a).count() == model.objects.count()


def test_ledger_a_reversal_is_a_row_of_its_own(world, fees, occupied, staff):
    payment = pay(occupied, staff.cashier, "50.00", lines=[])
    reversal = payment_reverse(payment=payment, reason="误收", by=staff.cashier, approver=staff.supervisor)
    with pytest.raises(DomainError):
        reversal.save()
    assert Entry.objects.filter(kind=EntryKind.REVERSAL, payment=payment).count() == 1


def check_invariants(house) -> None:
    lines = sum(BillLine.objects.filter(house=house).values_list("amount", flat=True), Decimal(0))
    credits = sum(Entry.objects.filter(house=house).values_list("amount", flat=True), Decimal(0))
    balance = house_balance(house)
    assert balance == lines - credits  # balance = Σ entries
    states = line_states(house.pk)
    assert all(0 <= s.open <= s.line.amount for s in states)  # never over-paid, never below zero
    assert balance == sum((s.open for s in states), Decimal(0)) - credit_balance(house)
    for payment in Payment.objects.filter(house=house):
        entries = Entry.objects.filter(payment=payment)
        own = sum(entries.filter(reverses__isnull=True).values_list("amount", flat=True), Decimal(0))
        assert own == payment.amount  # every fen received is allocated or held as credit
        net = sum(entries.values_list("amount", flat=True), Decimal(0))
        assert net == (0 if PaymentReversal.objects.filter(payment=payment).exists() else payment.amount)
    for state in states:  # the late fee charged so far never exceeds what has accrued
        if not state.is_late_fee and state.line.item.late_fee_applies:
            entries = Entry.objects.filter(line=state.line, reverses__isnull=True, reversed_by__isnull=True)
            accrued = accrued_late_fee(state.line.amount, state.due_date, clock_today(), entries.values_list("on_date", "amount"))
            charged = sum((f.amount for f in state.line.late_fee_lines.all()), Decimal(0))
            assert charged <= accrued
            assert state.late_fee == accrued - charged


def clock_today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(1, 50_000)),
        st.tuples(st.just("wait"), st.integers(1, 40)),
        st.tuples(st.just("pay"), st.integers(1, 60_000), st.sampled_from(PaymentMethod.values)),
        st.tuples(st.just("pay_lines"), st.integers(1, 3)),
        st.tuples(st.just("prepay"), st.integers(1, 30_000)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
        st.tuples(st.just("waive"), st.integers(0, 9), st.integers(1, 100)),
        st.tuples(st.just("waive_fee"), st.integers(0, 9)),
        st.tuples(st.just("credit")),
        st.tuples(st.just("run")),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_ledger_balance_is_the_sum_of_entries_after_any_sequence(world, fees, occupied, staff, clock, steps):
    """Property: after any sequence of bills, payments, prepayments, reversals, waivers and
    uses of credit, the balance is Σ lines − Σ entries, equals what the lines leave open
    minus the credit, no line is over-paid, and every payment's money is accounted for."""
    with transaction.atomic():
        clock.set(2026, 7, 1)
        house = occupied
        for step in steps:
            kind = step[0]
            try:  # every step must succeed; the invariants hold after each
                if kind == "charge":
                    charge_add(house=house, item=fees.fixed, by=staff.cashier, unit_price=Decimal(step[1]) / 100)
                elif kind == "wait":
                    clock.advance(days=step[1])
                elif kind == "pay":
                    pay(house, staff.cashier, Decimal(step[1]) / 100, method=step[2])
                elif kind == "pay_lines":
                    owed = open_lines(house)
                    chosen = {s.line.pk for s in owed[: step[1]]}
                    if chosen:  # a chosen line brings its late-fee lines along
                        due = sum(s.total for s in owed if s.line.pk in chosen or s.principal_id in chosen)
                        pay(house, staff.cashier, due, lines=[s.line for s in owed if s.line.pk in chosen])
                elif kind == "prepay":
                    pay(house, staff.cashier, Decimal(step[1]) / 100, lines=[], method=PaymentMethod.TRANSFER)
                elif kind == "reverse":
                    payments = list(Payment.objects.filter(house=house, reversal__isnull=True).order_by("id"))
                    if payments:
                        payment = payments[step[1] % len(payments)]
                        payment_reverse(payment=payment, reason="冲正", by=staff.cashier, approver=staff.supervisor)
                elif kind == "waive":
                    states = [s for s in open_lines(house) if s.open > 0]
                    if states:
                        state = states[step[1] % len(states)]
                        part = max(Decimal("0.01"), (state.open * step[2] / 100).quantize(Decimal("0.01")))
                        line_waive(line=state.line, amount=part, reason="减免", by=staff.cashier, approver=staff.manager)
                elif kind == "waive_fee":
                    states = [s for s in open_lines(house) if not s.is_late_fee and s.late_fee > 0]
                    if states:
                        late_fee_waive(
                            line=states[step[1] % len(states)].line, reason="减免违约金", by=staff.cashier, approver=staff.manager
                        )
                elif kind == "credit":
                    credit_apply(house=house, by=staff.cashier)
                elif kind == "run":
                    today = clock.today
                    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
                    bill_month(world, staff, last_month.year, last_month.month)
            finally:
                check_invariants(house)
        transaction.set_rollback(True)
