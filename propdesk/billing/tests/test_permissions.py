"""Who may do what with money, on the services themselves (the pages and API of phase 2
call these): each service × every staff role and a resident account, in their own project
and the other one, and nobody signed in. Refusals are 404s — "not found", the same as a
house that does not exist — and leave nothing behind.

The allowed sets are written out here, not read from accounts.roles, so a wrong
capability table fails a test instead of agreeing with it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404

from propdesk.accounts.roles import ROLE_CAPS, Cap
from propdesk.billing import rates
from propdesk.billing.adjustments import bill_dispute_raise, charge_add, line_waive
from propdesk.billing.choices import FeeKind
from propdesk.billing.models import Bill, BillDispute, BillingRun, BillLine, CashierClose, Entry, FeeItem, Payment
from propdesk.billing.payments import cashier_close, credit_apply, payment_reverse
from propdesk.billing.run import billing_run_preview, billing_run_start
from propdesk.core.testing import COMPANY_WIDE, cells

from .conftest import bill_month, make_fees, pay

COLLECTORS = {"cashier", "supervisor", "manager", "admin"}  # FEE_COLLECT
BILLERS = {"cashier", "manager", "admin"}  # FEE_BILL
CONFIGURERS = {"manager", "admin"}  # FEE_CONFIGURE
APPROVERS = {"supervisor", "manager", "admin"}  # FEE_APPROVE
VIEWERS = {"assistant", "supervisor", "manager", "cashier", "head_office", "admin"}  # FEE_VIEW
DISPUTE_RECORDERS = VIEWERS - {"head_office"}  # FEE_VIEW and TICKET_CREATE


def caller(world, role):
    if role is None:
        return AnonymousUser()
    if role == "resident":
        return world.resident_user
    return world.users[(role, "*" if role in COMPANY_WIDE else "a")]


def check(world, allowed, act):
    """`act(user, own)` for every cell, in a savepoint rolled back: it must run and have
    its effect (return True) exactly when the cell is allowed, else raise Http404."""
    failures = []
    for cell in cells(allowed):
        user = caller(world, cell.role)
        with transaction.atomic():
            try:
                done = act(user, cell.where == "own")
                refused = False
            except Http404:
                done, refused = False, True
            finally:
                transaction.set_rollback(True)
        if refused == cell.allowed or bool(done) != cell.allowed:
            failures.append(f"{cell}: {'refused' if refused else 'done' if done else 'no effect'}")
    assert not failures, "permission matrix:\n  " + "\n  ".join(failures)


@pytest.fixture
def billed(world, fees, occupied, staff):
    """Both houses lived in and billed for June."""
    from propdesk.estate.choices import HouseStatus
    from propdesk.estate.services import house_change_status

    house_change_status(house=world.house_b, to_status=HouseStatus.OWNER_OCCUPIED, reason="入住", by=staff.admin)
    make_fees(world, world.project_b)
    bill_month(world, staff, 2026, 6)
    from propdesk.billing.run import billing_run

    billing_run(project=world.project_b, month=dt.date(2026, 6, 1), by=staff.admin)
    return world


def test_fee_capabilities_by_role():
    held = {cap: {role for role, caps in ROLE_CAPS.items() if cap in caps} for cap in Cap if cap.startswith("fee.")}
    assert held == {
        Cap.FEE_VIEW: VIEWERS,
        Cap.FEE_COLLECT: COLLECTORS,
        Cap.FEE_BILL: BILLERS,
        Cap.FEE_CONFIGURE: CONFIGURERS,
        Cap.FEE_APPROVE: APPROVERS,
    }


def test_payment_take_permission_matrix(world, billed):
    def act(user, own):
        house = world.house_a if own else world.house_b
        payment = pay(house, user, "10.00")
        return Payment.objects.filter(pk=payment.pk).exists()

    check(world, COLLECTORS, act)


def test_payment_reverse_permission_matrix(world, billed, staff):
    def act(user, own):
        payment = pay(world.house_a, staff.cashier, "5.00") if own else pay(world.house_b, staff.cashier_b, "5.00")
        approver = staff.manager if own else world.users[("manager", "b")]
        return payment_reverse(payment=payment, reason="误收", by=user, approver=approver)

    check(world, COLLECTORS, act)


def test_credit_apply_permission_matrix(world, billed, staff):
    def act(user, own):
        house, cashier = (world.house_a, staff.cashier) if own else (world.house_b, staff.cashier_b)
        pay(house, cashier, "20.00", lines=[])
        return credit_apply(house=house, by=user)

    check(world, COLLECTORS, act)


def test_billing_run_permission_matrix(world, fees, staff):
    def act(user, own):
        run = billing_run_start(project=world.project_a if own else world.project_b, month=dt.date(2026, 6, 1), by=user)
        billing_run_preview(project=run.project, month=run.period, by=user)
        return BillingRun.objects.filter(pk=run.pk).exists()

    check(world, BILLERS, act)


def test_charge_add_permission_matrix(world, billed):
    def act(user, own):
        house = world.house_a if own else world.house_b
        item = FeeItem.objects.get(project=house.project, code="wx")
        return charge_add(house=house, item=item, by=user, unit_price="30.00")

    check(world, BILLERS, act)


def test_fee_configuration_permission_matrix(world):
    def act(user, own):
        project = world.project_a if own else world.project_b
        item = rates.fee_item_create(project=project, code="tcf", name="停车费", kind=FeeKind.PARKING, by=user)
        rates.fee_rate_add(item=item, unit_price="100", effective_from=dt.date(2026, 1, 1), approval_ref="价批", by=user)
        rates.billing_policy_set(project=project, by=user, due_day=15)
        return item.rates.exists()

    check(world, CONFIGURERS, act)


def test_waiver_permission_matrix_for_the_one_recording_it(world, billed, staff):
    def act(user, own):
        line = BillLine.objects.filter(house=world.house_a if own else world.house_b).first()
        approver = staff.manager if own else world.users[("manager", "b")]
        return line_waive(line=line, reason="减免", by=user, approver=approver, amount="1.00")

    check(world, COLLECTORS, act)


def test_dispute_permission_matrix(world, billed):
    def act(user, own):
        bill = Bill.objects.get(house=world.house_a if own else world.house_b)
        return bill_dispute_raise(bill=bill, reason="面积有误", by=user)

    check(world, DISPUTE_RECORDERS, act)


def test_cashier_close_permission_matrix_for_ones_own_day(world, billed):
    """Every role closing "its own" day: only those who collect may."""

    def act(user, own):
        project = world.project_a if own else world.project_b
        return cashier_close(project=project, cashier=user, day=dt.date(2026, 7, 1), counted_cash="0", by=user)

    check(world, COLLECTORS, act)


def test_refusals_leave_nothing_behind(world, billed, staff):
    before = (Payment.objects.count(), Entry.objects.count(), BillDispute.objects.count(), CashierClose.objects.count())
    with pytest.raises(Http404):
        pay(world.house_b, staff.cashier, "10.00")
    with pytest.raises(Http404):
        pay(world.house_a, world.resident_user, "10.00")
    after = (Payment.objects.count(), Entry.objects.count(), BillDispute.objects.count(), CashierClose.objects.count())
    assert before == after
