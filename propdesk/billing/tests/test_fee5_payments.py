"""FEE-5 and FEE-6: a payment counts when the money is received; the cashier takes it for
the lines the customer pays (oldest first when none are chosen), gives change for cash,
holds what is left as prepaid credit, and issues a receipt numbered without gaps. A
retried submission never charges twice; a mistaken payment is undone only by a reversal
with a reason and an approver who is not the cashier; the day ends with the close (日结)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from propdesk.billing.adjustments import charge_add
from propdesk.billing.choices import EntryKind, LineSource, Payer, PaymentMethod
from propdesk.billing.models import BillLine, CashierClose, Entry, Payment, PaymentReversal
from propdesk.billing.payments import cashier_close, credit_apply, payment_reverse
from propdesk.billing.selectors import credit_balance, house_balance, open_lines
from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus

from .conftest import add_house, bill_month, pay


@pytest.fixture
def june(world, fees, occupied, staff):
    """House A billed for June (197.00 management + 10.00 fixed, due July 10th)."""
    bill_month(world, staff, 2026, 6)
    return occupied


def test_fee5_a_payment_pays_what_is_owed_oldest_first_and_issues_a_receipt(world, fees, june, staff, clock):
    clock.set(2026, 7, 5)
    bill_month(world, staff, 2026, 5)  # an older month, billed late (due June 10th): paid first, late fees first
    payment = pay(june, staff.cashier, "300.00", method=PaymentMethod.TRANSFER, reference="HX2026070501")
    assert (payment.number, payment.receipt_number, payment.cashier, payment.received_on, payment.reference) == (
        1,
        "00000001",
        staff.cashier,
        dt.date(2026, 7, 5),
        "HX2026070501",
    )
    paid = [
        (e.line.period.month, e.line.item.code if e.line.item else "违约金", e.amount) for e in payment.entries.order_by("id")
    ]
    assert paid == [
        (5, "违约金", Decimal("0.75")),  # 10.00 × 0.003 × 25 days
        (5, "ggnh", Decimal("10.00")),
        (5, "违约金", Decimal("14.78")),  # 197.00 × 0.003 × 25 = 14.775
        (5, "wyf", Decimal("197.00")),
        (6, "ggnh", Decimal("10.00")),  # June is not due yet: no late fee
        (6, "wyf", Decimal("67.47")),
    ]
    assert [(s.line.period.month, s.open) for s in open_lines(june)] == [(6, Decimal("129.53"))]


def test_fee6_the_lines_chosen_are_paid_in_full_with_their_late_fees(world, fees, june, staff, clock):
    clock.set(2026, 7, 20)  # 10 days overdue
    fixed = BillLine.objects.get(item=fees.fixed)
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "10.00", lines=[fixed])  # 10.00 + 0.30 late fee
    assert (error.value.code, error.value.field, error.value.rule) == ("payment_short", "amount", "FEE-6")
    assert "10.30" in error.value.message
    payment = pay(june, staff.cashier, "10.30", lines=[fixed])
    assert sorted(e.amount for e in payment.entries.all()) == [Decimal("0.30"), Decimal("10.00")]
    (left,) = open_lines(june)
    assert left.line.item == fees.management


def test_fee6_cash_change_is_worked_out_and_a_surplus_is_held_as_credit_only_when_asked(fees, june, staff):
    payment = pay(june, staff.cashier, "207.00", tendered="300.00")
    assert (payment.amount, payment.tendered, payment.change) == (Decimal("207.00"), Decimal("300.00"), Decimal("93.00"))
    assert credit_balance(june) == Decimal("0.00")
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "50.00", tendered="20.00")
    assert error.value.code == "payment_tendered_short"
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "50.00", method=PaymentMethod.WECHAT, tendered="60.00")
    assert error.value.code == "payment_change_cash_only"


def test_fee5_what_is_left_over_is_prepaid_credit_used_on_later_bills(world, fees, june, staff, clock):
    payment = pay(june, staff.cashier, "500.00", method=PaymentMethod.WECHAT)
    prepaid = payment.entries.get(kind=EntryKind.PREPAYMENT)
    assert (prepaid.line, prepaid.amount) == (None, Decimal("293.00"))
    assert credit_balance(june) == Decimal("293.00")
    assert house_balance(june) == Decimal("-293.00")
    clock.set(2026, 8, 1)
    bill_month(world, staff, 2026, 7)  # the run uses the credit on July's bill
    assert open_lines(june) == [] and credit_balance(june) == Decimal("86.00")
    charge_add(house=june, item=fees.repair, by=staff.cashier, unit_price="120.00")
    credit_apply(house=june, by=staff.cashier)
    assert credit_balance(june) == Decimal("0.00")
    assert [s.open for s in open_lines(june)] == [Decimal("34.00")]
    assert house_balance(june) == Decimal("34.00")


def test_fee5_a_retried_submission_returns_the_same_payment(fees, june, staff):
    first = pay(june, staff.cashier, "207.00", key="desk-7f3a")
    again = pay(june, staff.cashier, "207.00", key="desk-7f3a")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1 and Entry.objects.count() == 2
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "50.00", key="desk-7f3a")
    assert (error.value.code, error.value.rule) == ("payment_key_reused", "FEE-5")


def test_fee5_receipt_numbers_are_gap_free_per_project(world, fees, june, staff):
    other_fees_house = world.house_b
    numbers = [pay(june, staff.cashier, "10.00").number for _ in range(3)]
    with pytest.raises(DomainError):
        pay(june, staff.cashier, "10.00", lines=[BillLine.objects.get(item=fees.fixed)])  # already paid: refused
    numbers.append(pay(june, staff.cashier, "10.00").number)
    assert numbers == [1, 2, 3, 4]  # the refused payment used no number
    b = pay(other_fees_house, world.users[("cashier", "b")], "10.00", lines=[])
    assert b.number == 1  # project B counts on its own


def test_fee5_a_paid_line_cannot_be_paid_again(fees, june, staff):
    fixed = BillLine.objects.get(item=fees.fixed)
    pay(june, staff.cashier, "10.00", lines=[fixed])
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "10.00", lines=[fixed])
    assert error.value.code == "payment_line_not_open"


def test_fee5_a_line_of_another_house_cannot_be_paid_here(world, fees, june, staff):
    neighbour = add_house(world, "301")
    bill_month(world, staff, 2026, 6)
    theirs = BillLine.objects.filter(house=neighbour).first()
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "10.00", lines=[theirs])
    assert error.value.code == "payment_line_not_open"


def test_fee5_money_counts_from_the_day_it_was_received(fees, june, staff, clock):
    clock.set(2026, 7, 20)
    payment = pay(june, staff.cashier, "207.00", method=PaymentMethod.TRANSFER, received_on=dt.date(2026, 7, 9))
    assert payment.received_on == dt.date(2026, 7, 9)
    assert not BillLine.objects.filter(source=LineSource.LATE_FEE).exists()  # on time: no late fee
    assert open_lines(june) == []
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "1.00", received_on=dt.date(2026, 7, 21))
    assert (error.value.code, error.value.rule) == ("payment_received_in_future", "FEE-5")


def test_fee5_amounts_are_money(fees, june, staff):
    for bad in ("0", "-5", "abc"):
        with pytest.raises(DomainError):
            pay(june, staff.cashier, bad)
    with pytest.raises(TypeError):
        pay(june, staff.cashier, 10.5)
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "10", method="barter")
    assert error.value.code == "payment_method_invalid"
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "10", key=" ")
    assert error.value.code == "payment_key_required"


def test_fee5_a_reversal_needs_a_reason_and_an_approver_who_is_not_the_cashier(world, fees, june, staff):
    payment = pay(june, staff.cashier, "207.00")
    with pytest.raises(DomainError) as error:
        payment_reverse(payment=payment, reason="", by=staff.cashier, approver=staff.supervisor)
    assert error.value.code == "reversal_reason_required"
    for approver, code in [
        (staff.cashier, "approver_not_allowed"),  # no FEE_APPROVE
        (staff.assistant, "approver_not_allowed"),
        (world.users[("manager", "b")], "approver_not_allowed"),  # another project's PM
    ]:
        with pytest.raises(DomainError) as error:
            payment_reverse(payment=payment, reason="收错户", by=staff.cashier, approver=approver)
        assert error.value.code == code
    by_supervisor = pay(june, staff.supervisor, "5.00", lines=[])
    with pytest.raises(DomainError) as error:
        payment_reverse(payment=by_supervisor, reason="多收", by=staff.supervisor, approver=staff.supervisor)
    assert (error.value.code, error.value.rule) == ("approver_is_cashier", "FEE-5")
    assert not PaymentReversal.objects.exists()


def test_fee5_a_reversal_mirrors_the_payment_and_happens_once(fees, june, staff, clock):
    payment = pay(june, staff.cashier, "250.00")  # 207.00 on the lines, 43.00 credit
    clock.set(2026, 7, 2)
    reversal = payment_reverse(payment=payment, reason="收错户，退回", by=staff.cashier, approver=staff.supervisor)
    assert (reversal.by, reversal.approved_by, reversal.on_date) == (staff.cashier, staff.supervisor, dt.date(2026, 7, 2))
    mirrors = Entry.objects.filter(kind=EntryKind.REVERSAL)
    assert sorted(e.amount for e in mirrors) == [Decimal("-197.00"), Decimal("-43.00"), Decimal("-10.00")]
    assert all(e.reverses.payment == payment and e.approved_by == staff.supervisor for e in mirrors)
    assert house_balance(june) == Decimal("207.00") and credit_balance(june) == Decimal("0.00")
    assert house_balance(june, as_of=dt.date(2026, 7, 1)) == Decimal("-43.00")  # the ledger as it stood
    assert sum(s.open for s in open_lines(june)) == Decimal("207.00")
    with pytest.raises(DomainError) as error:
        payment_reverse(payment=payment, reason="再冲", by=staff.cashier, approver=staff.manager)
    assert error.value.code == "payment_already_reversed"
    assert Payment.objects.filter(pk=payment.pk).exists()  # the payment itself stays


def test_fee5_a_reversed_payment_no_longer_lowers_the_late_fee(fees, june, staff, clock):
    clock.set(2026, 7, 20)
    payment = pay(june, staff.cashier, "213.21")  # with 10 days' late fees (5.91 + 0.30)
    clock.set(2026, 7, 30)
    payment_reverse(payment=payment, reason="银行退票", by=staff.cashier, approver=staff.supervisor)
    states = {s.line.item.code if s.line.item else "fee": s for s in open_lines(june)}
    # The late fees charged on the 20th are owed again; from the 20th to the 30th the
    # lines run on as if never paid: 197 × 0.003 × 10 = 5.91, 10 × 0.003 × 10 = 0.30.
    assert (states["wyf"].open, states["wyf"].late_fee) == (Decimal("197.00"), Decimal("5.91"))
    assert (states["ggnh"].open, states["ggnh"].late_fee) == (Decimal("10.00"), Decimal("0.30"))
    fee_lines = BillLine.objects.filter(source=LineSource.LATE_FEE)
    assert sum(s.open for s in open_lines(june) if s.is_late_fee) == sum(f.amount for f in fee_lines) == Decimal("6.21")


def test_fee5_reversing_credit_already_used_leaves_the_house_owing_it(world, fees, june, staff, clock):
    payment = pay(june, staff.cashier, "300.00", lines=[])  # all credit
    credit_apply(house=june, by=staff.cashier)  # pays June
    payment_reverse(payment=payment, reason="假币", by=staff.cashier, approver=staff.manager)
    assert open_lines(june) == []  # June stays paid by the credit…
    assert credit_balance(june) == Decimal("-207.00")  # …that the house now owes back
    assert house_balance(june) == Decimal("207.00")


def test_fee5_the_developer_pays_its_own_lines_and_no_more(world, fees, staff):
    house = add_house(world, "302", status=HouseStatus.NOT_HANDED_OVER)
    bill_month(world, staff, 2026, 6)
    assert open_lines(house, payer=Payer.OWNER) == []
    with pytest.raises(DomainError) as error:
        pay(house, staff.cashier, "200.00", payer=Payer.DEVELOPER, method=PaymentMethod.TRANSFER)
    assert error.value.code == "payment_developer_overpaid"
    pay(house, staff.cashier, "170.00", payer=Payer.DEVELOPER, method=PaymentMethod.TRANSFER, payer_name="某置业公司")
    assert open_lines(house) == [] and house_balance(house) == Decimal("0.00")


def test_fee6_the_cashiers_day_closes_by_method_against_the_cash_counted(world, fees, june, staff, clock):
    clock.set(2026, 7, 3, 9)
    first = pay(june, staff.cashier, "100.00", tendered="100.00")
    pay(june, staff.cashier, "50.00", method=PaymentMethod.WECHAT)
    wrong = pay(june, staff.cashier, "20.00")
    pay(june, staff.supervisor, "30.00")  # another cashier's receipt: not in this close
    clock.set(2026, 7, 3, 16)
    payment_reverse(payment=wrong, reason="重复收款", by=staff.cashier, approver=staff.supervisor)
    close = cashier_close(
        project=world.project_a, cashier=staff.cashier, day=dt.date(2026, 7, 3), counted_cash="99.50", by=staff.cashier
    )
    assert close.summary == {
        "cash": {"count": 2, "received": "120.00", "reversed": "20.00", "net": "100.00"},
        "wechat": {"count": 1, "received": "50.00", "reversed": "0.00", "net": "50.00"},
    }
    assert (close.receipts, close.first_number, close.last_number) == (3, first.number, wrong.number)
    assert (close.total, close.expected_cash, close.difference) == (Decimal("150.00"), Decimal("100.00"), Decimal("-0.50"))
    with pytest.raises(DomainError) as error:
        pay(june, staff.cashier, "1.00")
    assert (error.value.code, error.value.rule) == ("cashier_day_closed", "FEE-6")
    with pytest.raises(DomainError) as error:
        cashier_close(project=world.project_a, cashier=staff.cashier, day=dt.date(2026, 7, 3), counted_cash="0", by=staff.cashier)
    assert error.value.code == "cashier_already_closed"
    clock.set(2026, 7, 4, 9)
    pay(june, staff.cashier, "1.00")  # a new day


def test_fee6_someone_else_closes_a_cashiers_day_only_with_fee_approve(world, fees, june, staff):
    from propdesk.accounts.models import Membership, User
    from propdesk.accounts.roles import Role

    colleague = User.objects.create_user("cashier_a2", password="pw-123456")
    Membership.objects.create(user=colleague, project=world.project_a, role=Role.CASHIER)
    day = dt.date(2026, 7, 1)
    for by in (colleague, staff.assistant, world.users[("supervisor", "b")]):
        with pytest.raises(Http404):
            cashier_close(project=world.project_a, cashier=staff.cashier, day=day, counted_cash="0", by=by)
    close = cashier_close(project=world.project_a, cashier=staff.cashier, day=day, counted_cash="0", by=staff.supervisor)
    assert close.closed_by == staff.supervisor and CashierClose.objects.count() == 1
