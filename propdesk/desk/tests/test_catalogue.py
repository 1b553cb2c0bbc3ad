"""Special and paid services (DESK-8): the published catalogue, a service request
dispatched on a work order (fee accepted before work, the customer's signature accepting
the work, the final charge), referrals to nearby providers, and the monthly statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.core.errors import DomainError
from propdesk.desk import catalogue
from propdesk.desk.choices import ContactOutcome, Department, PriceKind, Status, TicketType
from propdesk.desk.models import Contact, PriceItem, ServiceProvider
from propdesk.desk.repairs import (
    work_order_accept_quote,
    work_order_arrive,
    work_order_complete,
    work_order_open_pool,
    work_order_prepare,
    work_order_quote,
)
from propdesk.desk.services import contact_log, ticket_assign, ticket_open, ticket_transition
from propdesk.desk.tests.test_repairs import signature_png

pytestmark = pytest.mark.django_db


def _service_item(world, name="家政保洁（2 小时）", price="120.00", department=Department.CLEANING, project=None):
    project = project or world.project_a
    return catalogue.price_item_add(
        project=project,
        kind=PriceKind.SERVICE,
        name=name,
        unit="次",
        unit_price=price,
        department=department,
        description="全屋除尘、厨卫清洁",
        by=world.users[("supervisor", project.code)],
    )


def _request(world, title="预约家政保洁", **fields):
    return ticket_open(
        project=world.project_a,
        type=TicketType.SERVICE,
        title=title,
        house=world.house_a,
        reporter=world.person_a,
        by=world.assistant,
        **fields,
    )


# --- the catalogue -------------------------------------------------------------------------------


def test_desk8_a_service_is_published_with_its_price_and_department(world):
    item = _service_item(world)
    assert item.kind == PriceKind.SERVICE and item.unit_price == Decimal("120.00") and item.department == Department.CLEANING
    assert list(catalogue.service_catalogue([world.project_a.pk])) == [item]
    assert list(catalogue.service_catalogue([world.project_b.pk])) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"department": ""}, "department"),
        ({"price": "-1"}, "unit_price"),
        ({"price": "abc"}, "unit_price"),
        ({"name": " "}, "name"),
    ],
)
def test_desk8_bad_catalogue_input_names_the_field(world, change, field):
    with pytest.raises(DomainError) as exc:
        _service_item(world, **change)
    assert exc.value.field == field
    assert not PriceItem.objects.exists()


def test_desk8_names_are_unique_in_a_projects_catalogue(world):
    _service_item(world)
    with pytest.raises(DomainError) as exc:
        _service_item(world)
    assert exc.value.code == "price_name_taken"
    _service_item(world, project=world.project_b)  # another project may use the name


def test_desk8_the_catalogue_is_kept_by_supervisors_and_managers(world):
    with pytest.raises(Http404):
        catalogue.price_item_add(
            project=world.project_a, kind=PriceKind.SERVICE, name="x", unit="次", unit_price="1", by=world.assistant
        )
    item = _service_item(world)
    catalogue.price_item_set_active(item=item, active=False, by=world.users[("manager", "a")])
    assert not PriceItem.objects.get(pk=item.pk).active
    with pytest.raises(Http404):
        catalogue.price_item_set_active(item=item, active=True, by=world.users[("supervisor", "b")])


# --- a service request on its work order ------------------------------------------------------------


def test_desk8_service_work_starts_only_after_the_fee_is_accepted_and_ends_with_the_customers_signature(world):
    item = _service_item(world)
    cleaner = world.users[("cleaner", "a")]
    ticket = _request(world)
    work_order_prepare(
        ticket=ticket,
        by=world.assistant,
        paid=True,
        appointment_start=timezone.now() + dt.timedelta(days=1),
        appointment_end=timezone.now() + dt.timedelta(days=1, hours=2),
    )
    work_order_quote(ticket=ticket, lines=[(item, "1")], by=world.assistant)
    ticket_assign(ticket=ticket, assignee=cleaner, by=world.assistant, department=Department.CLEANING)
    with pytest.raises(DomainError) as exc:
        work_order_arrive(ticket=ticket, by=cleaner)  # the customer has not accepted the fee yet
    assert exc.value.rule == "REP-4"
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=world.assistant)
    work_order_arrive(ticket=ticket, by=cleaner)
    with pytest.raises(DomainError):
        ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=cleaner)  # only through completion
    work_order = work_order_complete(ticket=ticket, by=cleaner, note="保洁完成，客户验收", signature_png=signature_png())
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and work_order.final_charge == Decimal("120.00")


def test_desk8_a_free_convenience_service_needs_no_quote(world):
    cleaner = world.users[("cleaner", "a")]
    ticket = _request(world, title="借用梯子")
    work_order_prepare(ticket=ticket, by=world.assistant, paid=False)
    ticket_assign(ticket=ticket, assignee=cleaner, by=world.assistant)
    work_order_arrive(ticket=ticket, by=cleaner)
    work_order_complete(ticket=ticket, by=cleaner, note="已借出并收回", signature_png=signature_png())
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_desk8_services_are_assigned_not_grabbed(world):
    ticket = _request(world)
    with pytest.raises(DomainError) as exc:
        work_order_open_pool(ticket=ticket, by=world.assistant)
    assert exc.value.code == "work_order_pool_repairs"


# --- referrals ---------------------------------------------------------------------------------------


def _provider(world, project=None, name="鑫家搬家公司"):
    project = project or world.project_a
    return catalogue.provider_add(
        project=project,
        name=name,
        services="搬家、长途货运",
        phone="0571-88776655",
        by=world.users[("supervisor", project.code)],
    )


def test_desk8_a_service_we_do_not_offer_is_referred_to_a_nearby_provider(world):
    provider = _provider(world)
    contact = contact_log(
        project=world.project_a,
        channel="phone",
        content="业主询问能否代办搬家",
        by=world.assistant,
        answer="本公司不提供搬家服务，已推荐周边搬家公司并告知电话",
        referred_to=provider,
    )
    assert contact.outcome == ContactOutcome.REFERRED and contact.referred_to == provider and contact.ticket is None


def test_desk8_only_the_answer_or_the_referral_ends_a_contact_one_way(world):
    provider = _provider(world)
    with pytest.raises(DomainError):
        contact_log(
            project=world.project_a,
            channel="phone",
            content="搬家",
            by=world.assistant,
            referred_to=provider,
            ticket={"type": TicketType.REQUEST, "title": "搬家"},
        )
    other = _provider(world, project=world.project_b, name="外项目服务商")
    with pytest.raises(DomainError) as exc:
        contact_log(project=world.project_a, channel="phone", content="搬家", by=world.assistant, referred_to=other)
    assert exc.value.field == "referred_to"
    assert not Contact.objects.exists()


def test_desk8_bad_provider_input_names_the_field(world):
    with pytest.raises(DomainError) as exc:
        catalogue.provider_add(project=world.project_a, name="某公司", services="搬家", phone="abc", by=world.supervisor)
    assert exc.value.field == "phone"
    assert not ServiceProvider.objects.exists()


# --- monthly statistics ---------------------------------------------------------------------------------


def _completed_service(world, item, quantity="1"):
    cleaner = world.users[("cleaner", "a")]
    ticket = _request(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(item, quantity)], by=world.assistant)
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=world.assistant)
    ticket_assign(ticket=ticket, assignee=cleaner, by=world.assistant)
    work_order_arrive(ticket=ticket, by=cleaner)
    work_order_complete(ticket=ticket, by=cleaner, note="完成", signature_png=signature_png())
    return ticket


def test_desk8_monthly_statistics_by_service(world):
    cleaning = _service_item(world)
    moving = _service_item(world, name="室内家具搬运", price="80.00", department=Department.SECURITY)
    _completed_service(world, cleaning)
    _completed_service(world, cleaning, quantity="2")
    _completed_service(world, moving)
    quoted = _request(world)
    work_order_prepare(ticket=quoted, by=world.assistant, paid=True)
    work_order_quote(ticket=quoted, lines=[(moving, "1")], by=world.assistant)  # not accepted yet
    cancelled = _request(world)
    ticket_transition(ticket=cancelled, to_status=Status.CANCELLED, by=world.assistant, note="客户取消")
    contact_log(
        project=world.project_a,
        channel="phone",
        content="搬家",
        by=world.assistant,
        answer="已推荐",
        referred_to=_provider(world),
    )

    stats = catalogue.service_stats([world.project_a.pk], timezone.localdate())
    assert (stats.requests, stats.completed, stats.cancelled, stats.open) == (5, 3, 1, 1)
    assert stats.income == Decimal("440.00")  # 120 + 240 + 80
    by_name = {row.name: row for row in stats.rows}
    assert (by_name["家政保洁（2 小时）"].requests, by_name["家政保洁（2 小时）"].completed) == (2, 2)
    assert by_name["家政保洁（2 小时）"].income == Decimal("360.00")
    assert (by_name["室内家具搬运"].requests, by_name["室内家具搬运"].completed) == (2, 1)
    assert stats.referrals == [("鑫家搬家公司", 1)]
    assert catalogue.service_stats([world.project_b.pk], timezone.localdate()).requests == 0
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert catalogue.service_stats([world.project_a.pk], last_month).requests == 0


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_month_bounds_cover_exactly_the_month(day):
    start, end = catalogue.month_bounds(day)
    assert start.date() == day.replace(day=1) and start.time() == dt.time.min
    assert end.day == 1 and (end - dt.timedelta(days=1)).month == day.month
    assert start <= timezone.make_aware(dt.datetime.combine(day, dt.time(12))) < end
