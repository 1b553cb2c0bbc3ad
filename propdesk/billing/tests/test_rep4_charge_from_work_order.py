"""Paid repairs and special services reach the house's bill (FEE-1 one-off "paid
services", REP-4, REP-9, DESK-8): when the customer signs the completed work order, its
final charge becomes one one-off line of the house, once, which the cashier collects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind, LineSource
from propdesk.billing.models import BillLine, FeeItem
from propdesk.billing.selectors import open_lines, settlement
from propdesk.billing.tests.conftest import pay
from propdesk.billing.ticket_charges import work_order_charge_pass
from propdesk.core.errors import DomainError
from propdesk.desk.choices import Department, PriceKind, Status, TicketType
from propdesk.desk.models import PriceItem, WorkOrder
from propdesk.desk.repairs import (
    work_order_accept_quote,
    work_order_arrive,
    work_order_complete,
    work_order_prepare,
    work_order_quote,
)
from propdesk.desk.services import ticket_assign, ticket_open, ticket_transition
from propdesk.desk.tests.test_repairs import open_repair, paid_and_accepted, signature_png

pytestmark = pytest.mark.django_db


def _on_site(world, ticket, who=("engineer", "a"), department=Department.ENGINEERING):
    worker = world.users[who]
    ticket_assign(ticket=ticket, assignee=worker, by=world.assistant, department=department)
    work_order_arrive(ticket=ticket, by=worker)
    return worker


def _paid_repair_signed(world, **complete):
    """A paid in-home repair (labour 30.00 + 1.5 × 33.33 = 80.00 quoted), accepted and
    completed with the customer's signature."""
    ticket = open_repair(world)
    paid_and_accepted(world, ticket)
    tech = _on_site(world, ticket)
    work_order_complete(ticket=ticket, by=tech, note="更换水龙头", signature_png=signature_png(), **complete)
    return ticket, tech


def _house_lines(house):
    return list(BillLine.objects.filter(house=house))


def test_rep4_paid_repair_signed_by_the_customer_is_one_line_on_the_house(world):
    ticket, _tech = _paid_repair_signed(world)
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert order.final_charge == Decimal("80.00") and order.charge_passed_at is not None
    (state,) = open_lines(world.house_a)
    line = state.line
    assert (line.amount, state.open, line.source) == (Decimal("80.00"), Decimal("80.00"), LineSource.MANUAL)
    assert ticket.number in line.description and "有偿维修" in line.description
    # The project had no item for paid repairs: it is created, one-off, without late fee.
    item = FeeItem.objects.get(project=world.project_a, code="wx")
    assert (line.item_id, item.kind, item.late_fee_applies) == (item.pk, FeeKind.ONE_OFF, False)


def test_rep4_the_projects_own_paid_repair_item_is_used(world, fees):
    _ticket, _tech = _paid_repair_signed(world)
    (line,) = _house_lines(world.house_a)
    assert line.item_id == fees.repair.pk and FeeItem.objects.filter(project=world.project_a, code="wx").count() == 1


def test_rep4_the_charge_is_passed_once_however_often_it_is_called(world, staff):
    ticket, tech = _paid_repair_signed(world)
    order = WorkOrder.objects.get(pk=ticket.pk)
    passed_at = order.charge_passed_at
    assert work_order_charge_pass(work_order=order, by=tech) is None
    assert work_order_charge_pass(work_order=order, by=staff.cashier) is None
    # Reopened and signed off again (rework): still the one line.
    ticket.refresh_from_db()
    ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=world.assistant, note="客户反映仍漏水")
    work_order_complete(ticket=ticket, by=tech, note="返修完成", signature_png=signature_png())
    assert len(_house_lines(world.house_a)) == 1
    assert WorkOrder.objects.get(pk=ticket.pk).charge_passed_at == passed_at


def test_rep4_free_work_puts_nothing_on_the_bill(world):
    ticket = open_repair(world)
    tech = _on_site(world, ticket)
    work_order_complete(ticket=ticket, by=tech, note="保修期内免费更换", signature_png=signature_png())
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert work_order_charge_pass(work_order=order, by=tech) is None
    assert _house_lines(world.house_a) == [] and order.charge_passed_at is None


def test_rep4_a_zero_charge_puts_nothing_on_the_bill(world):
    ticket = open_repair(world)
    paid_and_accepted(world, ticket)
    tech = _on_site(world, ticket)
    own_tap = [("客户自备水龙头", "1", "0")]
    work_order_complete(ticket=ticket, by=tech, note="客户自备材料，仅检查", materials=own_tap, signature_png=signature_png())
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert order.final_charge == Decimal("0.00") and order.charge_passed_at is None
    assert _house_lines(world.house_a) == []


def test_rep4_nothing_is_charged_before_the_customer_accepts_the_work(world):
    ticket = open_repair(world)
    paid_and_accepted(world, ticket)
    tech = _on_site(world, ticket)
    order = WorkOrder.objects.get(pk=ticket.pk)  # quoted and accepted, on site, not signed yet
    with pytest.raises(DomainError) as error:
        work_order_charge_pass(work_order=order, by=tech)
    assert (error.value.code, error.value.rule) == ("ticket_charge_not_accepted", "REP-4")
    assert _house_lines(world.house_a) == []


def test_rep4_another_projects_staff_cannot_pass_the_charge(world):
    ticket, _tech = _paid_repair_signed(world)
    WorkOrder.objects.filter(pk=ticket.pk).update(charge_passed_at=None)
    with pytest.raises(DomainError) as error:
        work_order_charge_pass(work_order=WorkOrder.objects.get(pk=ticket.pk), by=world.users[("cashier", "b")])
    assert error.value.code == "ticket_charge_refused"
    assert len(_house_lines(world.house_a)) == 1


@pytest.mark.parametrize("setup", ["other_kind", "stopped"])
def test_fee1_a_misconfigured_item_refuses_and_the_completion_waits(world, staff, setup):
    if setup == "other_kind":
        rates.fee_item_create(project=world.project_a, code="wx", name="维修基金", kind=FeeKind.FIXED, by=staff.admin)
    else:
        item = rates.fee_item_create(project=world.project_a, code="wx", name="有偿维修", kind=FeeKind.ONE_OFF, by=staff.admin)
        rates.fee_item_set_active(item=item, active=False, by=staff.admin)
    ticket = open_repair(world)
    paid_and_accepted(world, ticket)
    tech = _on_site(world, ticket)
    with pytest.raises(DomainError) as error:
        work_order_complete(ticket=ticket, by=tech, note="更换水龙头", signature_png=signature_png())
    assert error.value.rule == "FEE-1"
    ticket.refresh_from_db()
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert ticket.status == Status.IN_PROGRESS and order.completed_at is None and order.charge_passed_at is None
    assert _house_lines(world.house_a) == []


def test_desk8_special_service_accepted_is_charged_under_the_service_item(world):
    item = PriceItem.objects.create(
        project=world.project_a,
        kind=PriceKind.SERVICE,
        name="家政保洁（2 小时）",
        unit="次",
        unit_price=Decimal("120.00"),
        department=Department.CLEANING,
    )
    ticket = ticket_open(
        project=world.project_a,
        type=TicketType.SERVICE,
        title="预约家政保洁",
        house=world.house_a,
        reporter=world.person_a,
        by=world.assistant,
    )
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(item, "1")], by=world.assistant)
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=world.assistant)
    cleaner = _on_site(world, ticket, who=("cleaner", "a"), department=Department.CLEANING)
    work_order_complete(ticket=ticket, by=cleaner, note="保洁完成，客户验收", signature_png=signature_png())
    (state,) = open_lines(world.house_a)
    assert state.line.amount == Decimal("120.00") and ticket.number in state.line.description
    service_item = FeeItem.objects.get(project=world.project_a, code="tyfw")
    assert (state.line.item_id, service_item.kind) == (service_item.pk, FeeKind.ONE_OFF)


def test_fee5_the_cashier_collects_the_repair_charge_and_the_house_settles(world, staff):
    _paid_repair_signed(world)
    assert not settlement(world.house_a).settled
    (state,) = open_lines(world.house_a)
    payment = pay(world.house_a, staff.cashier, "80.00", lines=[state.line])
    assert payment.amount == Decimal("80.00")
    assert open_lines(world.house_a) == [] and settlement(world.house_a).settled
