"""FEE-4: a customer may dispute a bill until 5 days before the due date; the dispute is
recorded and does not postpone payment; only an approved extension for a technical
issue moves that bill's due date (its late fee then runs from the new date)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from propdesk.billing.adjustments import bill_dispute_raise, bill_dispute_resolve, bill_due_extend
from propdesk.billing.choices import DisputeStatus
from propdesk.billing.models import Bill, DueDateExtension
from propdesk.billing.selectors import open_lines
from propdesk.core.errors import DomainError

from .conftest import bill_month


@pytest.fixture
def bill(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)  # due 2026-07-10
    return Bill.objects.get(house=occupied)


def test_fee4_a_dispute_is_accepted_until_5_days_before_the_due_date(bill, staff, clock):
    clock.set(2026, 7, 5)  # the last day: 10 − 5
    dispute = bill_dispute_raise(bill=bill, reason="面积与房产证不符", customer_name="张三", by=staff.assistant)
    assert (dispute.status, dispute.raised_on, dispute.recorded_by) == (DisputeStatus.OPEN, dt.date(2026, 7, 5), staff.assistant)
    clock.set(2026, 7, 6)
    with pytest.raises(DomainError) as error:
        bill_dispute_raise(bill=bill, reason="再议", by=staff.assistant)
    assert (error.value.code, error.value.rule) == ("dispute_too_late", "FEE-4")
    assert "2026-07-05" in error.value.message


def test_fee4_a_dispute_does_not_postpone_payment(bill, staff, clock):
    clock.set(2026, 7, 3)
    bill_dispute_raise(bill=bill, reason="面积有误", by=staff.cashier)
    clock.set(2026, 7, 20)
    assert sum(s.late_fee for s in open_lines(bill.house)) == Decimal("6.21")  # 10 days, as without the dispute


def test_fee4_an_approved_extension_moves_the_bills_due_date_and_keeps_the_old_one(bill, staff, clock):
    clock.set(2026, 7, 3)
    dispute = bill_dispute_raise(bill=bill, reason="水表故障，读数待核", by=staff.assistant)
    extension = bill_due_extend(
        bill=bill, to_date=dt.date(2026, 7, 31), reason="技术原因：水表故障", dispute=dispute, by=staff.supervisor
    )
    assert (extension.from_date, extension.to_date, extension.approved_by) == (
        dt.date(2026, 7, 10),
        dt.date(2026, 7, 31),
        staff.supervisor,
    )
    second = bill_due_extend(bill=bill, to_date=dt.date(2026, 8, 10), reason="厂家延误", by=staff.manager)
    assert second.from_date == dt.date(2026, 7, 31)
    assert Bill.objects.get(pk=bill.pk).due_date == dt.date(2026, 7, 10)  # the bill itself is never edited
    assert DueDateExtension.objects.filter(bill=bill).count() == 2
    clock.set(2026, 8, 10)
    assert {s.due_date for s in open_lines(bill.house)} == {dt.date(2026, 8, 10)}
    assert sum(s.late_fee for s in open_lines(bill.house)) == 0
    clock.set(2026, 8, 11)
    assert sum(s.late_fee for s in open_lines(bill.house)) == Decimal("0.62")  # 0.591 + 0.03, one day from the new date


def test_fee4_an_extension_must_move_the_date_later_and_needs_fee_approve(bill, staff):
    with pytest.raises(DomainError) as error:
        bill_due_extend(bill=bill, to_date=dt.date(2026, 7, 10), reason="技术原因", by=staff.supervisor)
    assert error.value.code == "extension_not_later"
    with pytest.raises(DomainError) as error:
        bill_due_extend(bill=bill, to_date=dt.date(2026, 7, 20), reason=" ", by=staff.supervisor)
    assert error.value.code == "extension_reason_required"
    for role in ("cashier", "assistant"):
        with pytest.raises(Http404):
            bill_due_extend(bill=bill, to_date=dt.date(2026, 7, 20), reason="技术原因", by=getattr(staff, role))
    assert not DueDateExtension.objects.exists()


def test_fee4_a_dispute_is_resolved_once_by_someone_holding_fee_approve(bill, staff, clock):
    clock.set(2026, 7, 2)
    dispute = bill_dispute_raise(bill=bill, reason="面积有误", by=staff.assistant)
    with pytest.raises(Http404):
        bill_dispute_resolve(dispute=dispute, upheld=False, resolution="经核实无误", by=staff.cashier)
    done = bill_dispute_resolve(dispute=dispute, upheld=False, resolution="经核实面积无误", by=staff.supervisor)
    assert (done.status, done.resolved_by) == (DisputeStatus.REJECTED, staff.supervisor)
    with pytest.raises(DomainError) as error:
        bill_dispute_resolve(dispute=dispute, upheld=True, resolution="改判", by=staff.manager)
    assert error.value.code == "dispute_closed"


def test_fee4_disputes_are_recorded_by_desk_staff_of_the_project(world, bill, staff):
    for user in (
        world.users[("engineer", "a")],
        world.users[("head_office", "*")],
        world.users[("assistant", "b")],
        world.resident_user,
    ):
        with pytest.raises(Http404):
            bill_dispute_raise(bill=bill, reason="异议", by=user)
