"""Repairs and work orders (REP-1…7): the appointment facts, the quote accepted before paid
work starts, the open pool (exactly one technician wins), arrival and completion with the
customer's signature or the reporter's confirmation, temporary measures, escalation, the
17:00 list — and the pages, with their permission matrix."""

from __future__ import annotations

import base64
import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import ROLE_CAPS, Cap, Role
from propdesk.core.errors import DomainError
from propdesk.desk import repairs
from propdesk.desk.choices import (
    Channel,
    Department,
    Escalation,
    EventKind,
    LineStage,
    PriceKind,
    Priority,
    Status,
    TicketType,
    WorkOrderStep,
)
from propdesk.desk.models import PriceItem, Ticket, TicketAttachment, TicketEvent, WorkOrder, WorkOrderLine
from propdesk.desk.repair_selectors import pool, unfinished_work_orders
from propdesk.desk.repairs import (
    work_order_accept_quote,
    work_order_arrive,
    work_order_close_pool,
    work_order_complete,
    work_order_escalate,
    work_order_grab,
    work_order_open_pool,
    work_order_prepare,
    work_order_quote,
    work_order_temporary_measure,
)
from propdesk.desk.services import ticket_assign, ticket_open, ticket_transition
from propdesk.notifications.models import Notification

STAFF_ROLES = [r.value for r in Role if r not in (Role.HEAD_OFFICE, Role.ADMIN)]


# --- helpers ------------------------------------------------------------------------------


def engineer(world, code="a"):
    return world.users[("engineer", code)]


def second_engineer(world):
    user = User.objects.create_user("engineer2_a", password="pw-123456", display_name="王师傅")
    Membership.objects.create(user=user, project=world.project_a, role=Role.ENGINEER)
    return user


def open_repair(world, project="a", **extra):
    project_obj = world.project_a if project == "a" else world.project_b
    by = world.assistant if project == "a" else world.outsider
    house = world.house_a if project == "a" else world.house_b
    reporter = world.person_a if project == "a" else world.person_b
    fields = {"type": TicketType.REPAIR, "title": "厨房水管漏水", "category": "plumbing", "house": house, "reporter": reporter}
    fields.update(extra)
    return ticket_open(project=project_obj, by=by, **fields)


def open_common_area_repair(world, **extra):
    """REP-7: a guard reports a fault in a common area."""
    fields = {
        "type": TicketType.REPAIR,
        "title": "3 栋大堂灯不亮",
        "category": "electrical",
        "location": "3 栋大堂",
        "channel": Channel.STAFF,
        "reporter_name": "保安a",
    }
    fields.update(extra)
    return ticket_open(project=world.project_a, by=world.users[("guard", "a")], **fields)


def price_items(world, project=None):
    project = project or world.project_a
    labour = PriceItem.objects.create(
        project=project, kind=PriceKind.LABOUR, trade="plumbing", name="更换水龙头", unit="次", unit_price=Decimal("30.00")
    )
    material = PriceItem.objects.create(
        project=project, kind=PriceKind.MATERIAL, trade="plumbing", name="水龙头", unit="个", unit_price=Decimal("33.33")
    )
    return labour, material


def assigned(world, ticket, to=None):
    return ticket_assign(ticket=ticket, assignee=to or engineer(world), by=world.assistant, department=Department.ENGINEERING)


def signature_png(*, ink: bool = True, size=(300, 120)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 80), (120, 30), (260, 90)], fill=(17, 17, 17, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name="leak.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def paid_and_accepted(world, ticket):
    labour, material = price_items(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(labour, "1"), (material, "1.5")], by=world.assistant)
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=world.assistant)
    return labour, material


def on_site(world, ticket, tech=None):
    tech = tech or engineer(world)
    assigned(world, ticket, tech)
    work_order_arrive(ticket=ticket, by=tech)
    return tech


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id").values_list("kind", flat=True))


# --- REP-1 / REP-2 ------------------------------------------------------------------------


def test_rep1_work_order_holds_appointment_someone_home_and_spare_key(world):
    ticket = open_repair(world)
    start = timezone.now() + dt.timedelta(hours=2)
    order = work_order_prepare(
        ticket=ticket,
        by=world.assistant,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=1),
        someone_home=False,
        spare_key_allowed=True,
    )
    order.refresh_from_db()
    assert (order.someone_home, order.spare_key_allowed, order.paid) == (False, True, False)
    assert order.appointment_end - order.appointment_start == dt.timedelta(hours=1)
    # The rest of REP-1 is on the ticket: house, fault, reported time, receiver, phone.
    assert (ticket.house, ticket.receiver, ticket.reporter_phone) == (world.house_a, world.assistant, "13812345678")
    event = ticket.events.get(kind=EventKind.WORK_ORDER)
    assert event.after["step"] == WorkOrderStep.PREPARED and event.after["spare_key_allowed"] is True


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"appointment_start": "start"}, "work_order_slot_incomplete"),
        ({"appointment_start": "start", "appointment_end": "start"}, "work_order_slot_order"),
    ],
)
def test_rep1_appointment_slot_needs_both_ends_in_order(world, fields, code):
    ticket = open_repair(world)
    start = timezone.now() + dt.timedelta(hours=1)
    values = {k: start for k in fields}
    with pytest.raises(DomainError) as error:
        work_order_prepare(ticket=ticket, by=world.assistant, **values)
    assert error.value.code == code and error.value.rule == "REP-1"


def test_rep1_prepare_is_for_dispatchers(world):
    ticket = open_repair(world)
    with pytest.raises(DomainError) as error:
        work_order_prepare(ticket=ticket, by=engineer(world), someone_home=True)
    assert error.value.code == "work_order_dispatch_refused"


def test_rep4_common_area_work_is_free_and_has_no_spare_key(world):
    ticket = open_common_area_repair(world)
    with pytest.raises(DomainError) as error:
        work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    assert (error.value.code, error.value.rule) == ("work_order_common_area_free", "REP-4")
    with pytest.raises(DomainError):
        work_order_prepare(ticket=ticket, by=world.assistant, spare_key_allowed=True)


@pytest.mark.parametrize(
    ("priority", "promise"),
    [(Priority.VERY_URGENT, "10 分钟内到场"), (Priority.URGENT, "15 分钟内到场"), (Priority.GENERAL, "当天到场")],
)
def test_rep2_onsite_promise_per_urgency_tier(world, priority, promise):
    ticket = open_repair(world, priority=priority)
    assert repairs.onsite_promise(ticket, None) == promise


def test_rep2_general_repair_with_an_appointment_is_due_at_the_appointment(world):
    ticket = open_repair(world)
    start = timezone.make_aware(dt.datetime(2030, 5, 6, 14, 0))
    order = work_order_prepare(
        ticket=ticket, by=world.assistant, appointment_start=start, appointment_end=start + dt.timedelta(hours=2)
    )
    assert repairs.onsite_promise(ticket, order) == "按预约时间 05-06 14:00 到场"


# --- REP-4: quote, acceptance, final charge -----------------------------------------------


def test_rep4_quote_only_for_paid_work(world):
    labour, _material = price_items(world)
    ticket = open_repair(world)
    with pytest.raises(DomainError) as error:
        work_order_quote(ticket=ticket, lines=[(labour, "1")], by=world.assistant)
    assert (error.value.code, error.value.rule) == ("work_order_not_paid", "REP-4")


def test_rep4_quote_is_priced_from_the_published_list_half_up(world):
    labour, material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    order = work_order_quote(ticket=ticket, lines=[(labour, "1"), (material, "1.5")], by=world.assistant)
    lines = list(order.lines_of(LineStage.QUOTE))
    assert [(line.name, line.unit_price, line.amount) for line in lines] == [
        ("更换水龙头", Decimal("30.00"), Decimal("30.00")),
        ("水龙头", Decimal("33.33"), Decimal("50.00")),  # 49.995 rounded half-up
    ]
    assert order.quote_total == Decimal("80.00") and order.quote_version == 1


@pytest.mark.parametrize("which", ["other_project", "inactive", "zero_quantity", "empty"])
def test_rep4_quote_refuses_what_is_not_on_the_price_list(world, which):
    labour, _material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    lines = [(labour, "1")]
    if which == "other_project":
        lines = [(price_items(world, world.project_b)[0], "1")]
    elif which == "inactive":
        PriceItem.objects.filter(pk=labour.pk).update(active=False)
        labour.refresh_from_db()
    elif which == "zero_quantity":
        lines = [(labour, "0")]
    elif which == "empty":
        lines = []
    with pytest.raises(DomainError):
        work_order_quote(ticket=ticket, lines=lines, by=world.assistant)
    assert not WorkOrderLine.objects.exists()


def test_rep4_a_new_quote_is_a_new_version_and_the_old_lines_stay(world):
    labour, material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(labour, "1")], by=world.assistant)
    order = work_order_quote(ticket=ticket, lines=[(labour, "2"), (material, "1")], by=world.assistant)
    assert order.quote_version == 2 and order.quote_total == Decimal("93.33")
    assert WorkOrderLine.objects.filter(stage=LineStage.QUOTE).count() == 3
    assert [line.quantity for line in order.lines_of(LineStage.QUOTE)] == [Decimal("2.00"), Decimal("1.00")]


def test_rep4_price_change_does_not_alter_a_given_quote(world):
    labour, _material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(labour, "1")], by=world.assistant)
    PriceItem.objects.filter(pk=labour.pk).update(unit_price=Decimal("45.00"))
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert order.quote_total == Decimal("30.00")
    assert order.lines_of(LineStage.QUOTE).get().unit_price == Decimal("30.00")


def test_rep4_paid_work_cannot_start_before_the_quote_is_accepted(world):
    labour, _material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    tech = engineer(world)
    assigned(world, ticket, tech)
    # No quote yet, then a quote not yet accepted: arrival (the start of work) is refused…
    for step in ("no quote", "quoted"):
        if step == "quoted":
            work_order_quote(ticket=ticket, lines=[(labour, "1")], by=world.assistant)
        with pytest.raises(DomainError) as error:
            work_order_arrive(ticket=ticket, by=tech)
        assert (error.value.code, error.value.rule) == ("work_order_quote_not_accepted", "REP-4")
        # …and so is any other road to "in progress" (the ticket page's generic button).
        with pytest.raises(DomainError):
            ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=tech)
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=tech)
    order = work_order_arrive(ticket=ticket, by=tech)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and order.arrived_at is not None


def test_rep4_accepted_quote_is_never_edited(world):
    ticket = open_repair(world)
    labour, _material = paid_and_accepted(world, ticket)
    order = WorkOrder.objects.get(pk=ticket.pk)
    lines_before = list(WorkOrderLine.objects.values_list("pk", "quantity", "unit_price", "amount"))
    with pytest.raises(DomainError) as error:
        work_order_quote(ticket=ticket, lines=[(labour, "5")], by=world.assistant)
    assert (error.value.code, error.value.rule) == ("work_order_quote_accepted", "REP-4")
    with pytest.raises(DomainError):
        work_order_prepare(ticket=ticket, by=world.assistant, paid=False)
    with pytest.raises(DomainError):
        work_order_accept_quote(ticket=ticket, accepted_by="李四", by=world.assistant)
    assert list(WorkOrderLine.objects.values_list("pk", "quantity", "unit_price", "amount")) == lines_before
    fresh = WorkOrder.objects.get(pk=ticket.pk)
    assert (fresh.quote_total, fresh.quote_version, fresh.quote_accepted_by, fresh.paid) == (
        order.quote_total,
        1,
        "张三",
        True,
    )


def test_rep4_final_charge_is_the_sum_of_the_final_lines(world):
    ticket = open_repair(world)
    labour, material = paid_and_accepted(world, ticket)
    tech = on_site(world, ticket)
    order = work_order_complete(
        ticket=ticket,
        by=tech,
        note="更换水龙头一个",
        materials=[(labour, "1"), (material, "1.5"), ("生料带", "1", "2.505")],
        signature_png=signature_png(),
    )
    assert order.final_charge == Decimal("30.00") + Decimal("50.00") + Decimal("2.51")
    final = list(order.lines_of(LineStage.FINAL))
    assert [line.price_item_id for line in final] == [labour.pk, material.pk, None]
    assert order.charge_passed_at is not None  # signed by the customer: passed to billing (REP-4/REP-9)


def test_rep4_without_final_lines_the_accepted_quote_is_charged(world):
    ticket = open_repair(world)
    paid_and_accepted(world, ticket)
    tech = on_site(world, ticket)
    order = work_order_complete(ticket=ticket, by=tech, note="已修复", signature_png=signature_png())
    assert order.final_charge == Decimal("80.00")
    assert order.lines_of(LineStage.FINAL).count() == 2


def test_rep4_free_work_records_materials_but_charges_nothing(world):
    _labour, material = price_items(world)
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    order = work_order_complete(
        ticket=ticket, by=tech, note="保修期内更换", materials=[(material, "1")], signature_png=signature_png()
    )
    assert order.final_charge is None and order.lines_of(LineStage.FINAL).count() == 1


def test_rep4_published_price_wins_over_a_typed_price(world):
    _labour, material = price_items(world)
    ticket = open_repair(world)
    work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    work_order_quote(ticket=ticket, lines=[(material, "1")], by=world.assistant)
    work_order_accept_quote(ticket=ticket, accepted_by="张三", by=world.assistant)
    tech = on_site(world, ticket)
    order = work_order_complete(
        ticket=ticket, by=tech, note="ok", materials=[(material, "1", "99.00")], signature_png=signature_png()
    )
    assert order.final_charge == Decimal("33.33")


# --- REP-5: the open pool, exactly one winner ---------------------------------------------


def test_rep5_open_pool_notifies_the_projects_technicians(world):
    ticket = open_repair(world, priority=Priority.URGENT)
    order = work_order_open_pool(ticket=ticket, by=world.assistant)
    assert order.pool_open and list(pool([world.project_a.pk])) == [ticket]
    told = set(Notification.objects.filter(kind="repair.pooled").values_list("recipient", flat=True))
    assert told == {engineer(world).pk}  # not project B's engineer, not the assistant
    note = Notification.objects.get(kind="repair.pooled")
    assert note.severity == "urgent" and "15 分钟内到场" in note.body


def test_rep5_grab_assigns_the_technician_and_records_the_assignment(world):
    ticket = open_repair(world)
    work_order_open_pool(ticket=ticket, by=world.assistant)
    tech = engineer(world)
    ticket = work_order_grab(ticket=ticket, by=tech)
    assert (ticket.assignee, ticket.status, ticket.department) == (tech, Status.ASSIGNED, Department.ENGINEERING)
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.actor == tech and event.before["status"] == Status.NEW
    assert event.after == {"assignee": tech.pk, "department": Department.ENGINEERING, "status": Status.ASSIGNED}
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert not order.pool_open and order.grabbed_at is not None
    assert not pool([world.project_a.pk]).exists()


def test_grab_exactly_one_technician_wins(world):
    """Sequential version (SQLite and PostgreSQL): the second tap finds the order gone."""
    ticket = open_repair(world)
    work_order_open_pool(ticket=ticket, by=world.assistant)
    first, second = engineer(world), second_engineer(world)
    work_order_grab(ticket=ticket, by=first)
    with pytest.raises(DomainError) as error:
        work_order_grab(ticket=Ticket.objects.get(pk=ticket.pk), by=second)
    assert (error.value.code, error.value.rule) == ("work_order_already_taken", "REP-5")
    ticket.refresh_from_db()
    assert ticket.assignee == first
    assert ticket.events.filter(kind=EventKind.ASSIGNED).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_grab_exactly_one_technician_wins_under_concurrency(world):
    ticket = open_repair(world)
    work_order_open_pool(ticket=ticket, by=world.assistant)
    technicians = [engineer(world), second_engineer(world)]
    barrier = threading.Barrier(2)
    won, lost, errors = [], [], []

    def grab(user):
        try:
            barrier.wait()
            work_order_grab(ticket=Ticket.objects.get(pk=ticket.pk), by=user)
            won.append(user)
        except DomainError as exc:
            lost.append(exc.code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=grab, args=(user,)) for user in technicians]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(won) == 1 and lost == ["work_order_already_taken"]
    ticket.refresh_from_db()
    assert ticket.assignee == won[0]
    assert ticket.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_grab_is_for_the_projects_technicians(world):
    ticket = open_repair(world)
    work_order_open_pool(ticket=ticket, by=world.assistant)
    for user in (world.assistant, world.users[("guard", "a")], engineer(world, "b")):
        with pytest.raises(DomainError) as error:
            work_order_grab(ticket=ticket, by=user)
        assert error.value.code == "work_order_grab_refused"
    assert WorkOrder.objects.get(pk=ticket.pk).pool_open


def test_pool_takes_only_unassigned_orders_and_a_direct_assignment_beats_a_grab(world):
    ticket = open_repair(world)
    assigned(world, ticket)
    with pytest.raises(DomainError):
        work_order_open_pool(ticket=ticket, by=world.assistant)
    other = open_repair(world)
    work_order_open_pool(ticket=other, by=world.assistant)
    assigned(world, other, second_engineer(world))  # the dispatcher assigns directly meanwhile
    assert not pool([world.project_a.pk]).exists()
    with pytest.raises(DomainError) as error:
        work_order_grab(ticket=other, by=engineer(world))
    assert error.value.code == "work_order_already_taken"


def test_closing_the_pool_takes_the_order_back(world):
    ticket = open_repair(world)
    work_order_open_pool(ticket=ticket, by=world.assistant)
    work_order_close_pool(ticket=ticket, by=world.assistant)
    with pytest.raises(DomainError):
        work_order_grab(ticket=ticket, by=engineer(world))
    steps = [e.after["step"] for e in ticket.events.filter(kind=EventKind.WORK_ORDER)]
    assert steps == [WorkOrderStep.POOLED, WorkOrderStep.UNPOOLED]


def test_rep5_unfinished_orders_at_17_listed_to_the_department_head(world):
    done = open_repair(world, title="已修好的")
    on_site(world, done)
    work_order_complete(ticket=done, by=engineer(world), note="ok", signature_png=signature_png())
    waiting = open_repair(world, title="客厅插座无电")
    work_order_open_pool(ticket=waiting, by=world.assistant)
    working = open_repair(world, title="卫生间渗水")
    assigned(world, working)
    open_repair(world, project="b", title="B 区报修")
    at = timezone.now()
    assert set(unfinished_work_orders([world.project_a.pk], at)) == {waiting, working}

    from propdesk.desk.tasks import report_unfinished_work_orders

    assert report_unfinished_work_orders.delay().get() == 2  # projects A and B
    notes = Notification.objects.filter(kind="repair.unfinished", project=world.project_a)
    assert {n.recipient for n in notes} == {world.supervisor, world.users[("manager", "a")]}
    body = notes.first().body
    assert "客厅插座无电" in body and "卫生间渗水" in body and "已修好的" not in body and "B 区报修" not in body
    assert "未接单" in body
    # Once per project and day, however often the job runs.
    report_unfinished_work_orders.delay()
    assert Notification.objects.filter(kind="repair.unfinished").count() == 4
    assert not Notification.objects.filter(kind="repair.unfinished", project=world.project_a, recipient=engineer(world)).exists()


def test_rep5_the_list_runs_at_17_shanghai_time():
    from celery.schedules import crontab

    from propdesk.celery import app

    entry = app.conf.beat_schedule["repairs-unfinished-at-17"]
    assert entry["task"] == "propdesk.desk.tasks.report_unfinished_work_orders"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab) and schedule.hour == {17} and schedule.minute == {0}
    assert str(app.conf.timezone) == "Asia/Shanghai"


# --- on site: arrival, completion (REP-6/7) -----------------------------------------------


def test_arrival_is_the_move_to_in_progress_noted_as_arrival(world):
    ticket = open_repair(world)
    tech = engineer(world)
    assigned(world, ticket, tech)
    order = work_order_arrive(ticket=ticket, by=tech)
    event = ticket.events.filter(kind=EventKind.STATUS).last()
    assert (event.before, event.after, event.actor) == ({"status": Status.ASSIGNED}, {"status": Status.IN_PROGRESS}, tech)
    assert event.note.startswith("到场")
    assert order.arrived_at is not None
    with pytest.raises(DomainError):
        work_order_arrive(ticket=ticket, by=tech)  # already on site


def test_arrival_needs_an_assignee_and_is_for_the_assignee(world):
    ticket = open_repair(world)
    with pytest.raises(DomainError):
        work_order_arrive(ticket=ticket, by=world.assistant)
    assigned(world, ticket)
    with pytest.raises(DomainError) as error:
        work_order_arrive(ticket=ticket, by=second_engineer(world))
    assert error.value.code == "ticket_not_yours"


def test_completion_needs_arrival_first(world):
    ticket = open_repair(world)
    assigned(world, ticket)
    with pytest.raises(DomainError) as error:
        work_order_complete(ticket=ticket, by=engineer(world), note="ok", signature_png=signature_png())
    assert error.value.code == "work_order_not_started"


@pytest.mark.parametrize(
    ("png", "code"),
    [
        (None, "signature_required"),
        (b"GIF89a-not-a-png", "signature_not_png"),
        (b"\x89PNG\r\n\x1a\n-broken", "signature_not_png"),
        ("blank", "signature_blank"),
        ("huge", "signature_too_large"),
    ],
)
def test_rep6_house_repair_needs_the_customer_signature(world, png, code):
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    if png == "blank":
        png = signature_png(ink=False)
    elif png == "huge":
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * repairs.SIGNATURE_MAX_BYTES
    with pytest.raises(DomainError) as error:
        work_order_complete(ticket=ticket, by=tech, note="已修复", signature_png=png)
    assert (error.value.code, error.value.field, error.value.rule) == (code, "signature", "REP-6")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert not WorkOrder.objects.get(pk=ticket.pk).signature


def test_rep6_signed_house_repair_is_resolved_with_signature_and_photos(world):
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    order = work_order_complete(
        ticket=ticket, by=tech, note="更换阀芯", signature_png=signature_png(), photos=[photo("before.jpg"), photo("after.jpg")]
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    assert order.signature.name.endswith(".png") and order.signature.read().startswith(repairs.PNG_SIGNATURE)
    assert list(TicketAttachment.objects.filter(ticket=ticket).values_list("original_name", flat=True)) == [
        "before.jpg",
        "after.jpg",
    ]
    assert kinds(ticket) == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.STATUS,  # → in progress (arrival)
        EventKind.WORK_ORDER,  # completed
        EventKind.ATTACHMENT,
        EventKind.ATTACHMENT,
        EventKind.STATUS,  # → resolved
    ]


def test_rep6_a_refused_photo_leaves_nothing_behind(world):
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(DomainError):
        work_order_complete(ticket=ticket, by=tech, note="ok", signature_png=signature_png(), photos=[bad])
    assert not TicketAttachment.objects.exists() and not WorkOrderLine.objects.exists()
    assert not WorkOrder.objects.get(pk=ticket.pk).completed_at


def test_rep7_common_area_repair_confirmed_by_the_reporter(world):
    ticket = open_common_area_repair(world)
    tech = on_site(world, ticket)
    with pytest.raises(DomainError) as error:
        work_order_complete(ticket=ticket, by=tech, note="更换灯管")
    assert (error.value.code, error.value.rule) == ("work_order_confirmation_required", "REP-7")
    with pytest.raises(DomainError) as error:
        work_order_complete(ticket=ticket, by=tech, note="更换灯管", confirmed_by_name=str(tech))
    assert error.value.code == "work_order_self_confirmation"
    order = work_order_complete(ticket=ticket, by=tech, note="更换灯管", confirmed_by_name="保安a")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and order.confirmed_by_name == "保安a" and not order.signature
    completed = ticket.events.get(kind=EventKind.WORK_ORDER)
    assert completed.after["confirmed_by"] == "保安a" and completed.after["signed"] is False


def test_rep6_temporary_measure_is_recorded(world):
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    order = work_order_temporary_measure(ticket=ticket, measure="关闭分户水阀，等待配件", by=tech)
    assert order.temporary_measure_at is not None
    event = ticket.events.get(kind=EventKind.WORK_ORDER)
    assert event.after["step"] == WorkOrderStep.MEASURE and event.note == "关闭分户水阀，等待配件"
    with pytest.raises(DomainError):
        work_order_temporary_measure(ticket=ticket, measure=" ", by=tech)


@pytest.mark.parametrize(
    ("to", "roles"),
    [
        (Escalation.MANAGER, {("manager", "a")}),
        (Escalation.COMPANY_ENGINEERING, {("manager", "a"), ("head_office", "*")}),
        (Escalation.CONTRACTOR, {("manager", "a")}),
        (Escalation.INSURER, {("manager", "a")}),
    ],
)
def test_rep6_escalation_is_recorded_and_told(world, to, roles):
    ticket = open_repair(world)
    tech = on_site(world, ticket)
    order = work_order_escalate(ticket=ticket, to=to, note="主水管爆裂", by=tech)
    assert (order.escalated_to, order.escalation_note) == (to, "主水管爆裂")
    told = set(Notification.objects.filter(kind="repair.escalated").values_list("recipient", flat=True))
    assert told == {world.users[r].pk for r in roles}
    with pytest.raises(DomainError):
        work_order_escalate(ticket=ticket, to="mayor", note="x", by=tech)


def test_work_order_is_only_for_repairs(world):
    inquiry = ticket_open(project=world.project_a, by=world.assistant, type=TicketType.INQUIRY, title="咨询停车")
    with pytest.raises(DomainError) as error:
        work_order_prepare(ticket=inquiry, by=world.assistant)
    assert error.value.code == "not_a_repair"


# --- pages --------------------------------------------------------------------------------


def holds(role: str, cap: Cap) -> bool:
    return cap in ROLE_CAPS[role]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.fixture
def orders(world):
    """Per project: a new repair (dispatcher actions), a pooled one (grab), one assigned to
    the project's engineer (worker actions), one completed with a signature."""

    def make(code):
        new = open_repair(world, code)
        pooled = open_repair(world, code)
        dispatcher = world.assistant if code == "a" else world.outsider
        work_order_open_pool(ticket=pooled, by=dispatcher)
        mine = open_repair(world, code)
        ticket_assign(ticket=mine, assignee=engineer(world, code), by=dispatcher)
        signed = open_repair(world, code)
        ticket_assign(ticket=signed, assignee=engineer(world, code), by=dispatcher)
        work_order_arrive(ticket=signed, by=engineer(world, code))
        work_order_complete(ticket=signed, by=engineer(world, code), note="ok", signature_png=signature_png())
        return {"new": new, "pooled": pooled, "mine": mine, "signed": signed}

    return {"a": make("a"), "b": make("b")}


def object_pages(o):
    return [
        ("order", reverse("repairs:order", args=[o["mine"].pk])),
        ("print", reverse("repairs:print", args=[o["mine"].pk])),
        ("signature", reverse("repairs:signature", args=[o["signed"].pk])),
    ]


def list_pages():
    return [
        ("pool", reverse("repairs:pool"), lambda role: holds(role, Cap.REPAIR_GRAB) or holds(role, Cap.TICKET_DISPATCH)),
        ("unfinished", reverse("repairs:unfinished"), lambda role: holds(role, Cap.TICKET_DISPATCH)),
    ]


def writes(o):
    """(name, url, data, who may: role → bool). Worker actions: dispatchers, and the
    engineer the order is assigned to."""
    dispatch = lambda role: holds(role, Cap.TICKET_DISPATCH)  # noqa: E731
    worker = lambda role: holds(role, Cap.TICKET_DISPATCH) or role == "engineer"  # noqa: E731
    grabber = lambda role: holds(role, Cap.REPAIR_GRAB)  # noqa: E731
    return [
        ("prepare", reverse("repairs:prepare", args=[o["new"].pk]), {"someone_home": "yes"}, dispatch),
        ("pool-open", reverse("repairs:pool-open", args=[o["new"].pk]), {}, dispatch),
        ("grab", reverse("repairs:grab", args=[o["pooled"].pk]), {}, grabber),
        ("measure", reverse("repairs:measure", args=[o["mine"].pk]), {"measure": "先关阀门"}, worker),
        ("escalate", reverse("repairs:escalate", args=[o["mine"].pk]), {"to": "contractor", "note": "保修期内"}, worker),
    ]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_repair_pages_permission_matrix(world, orders, client, role):
    """Own project: allowed by capability; other project: the same 404 as a missing id."""
    client.force_login(world.users[(role, "a")])
    for name, url in object_pages(orders["a"]):
        assert client.get(url).status_code == (200 if holds(role, Cap.TICKET_VIEW) else 404), (role, name, "own")
    for name, url in object_pages(orders["b"]):
        assert client.get(url).status_code == 404, (role, name, "other project")
    for name, url, may in list_pages():
        assert client.get(url).status_code == (200 if may(role) else 404), (role, name)
    assert client.get(reverse("repairs:order", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_repair_writes_permission_matrix(world, orders, client, role):
    client.force_login(world.users[(role, "a")])
    for name, url, data, may in writes(orders["a"]):
        status = client.post(url, data).status_code
        assert status == (302 if may(role) else 404), (role, name, status)
    for name, url, data, _may in writes(orders["b"]):
        assert client.post(url, data).status_code == 404, (role, name, "other project")


def test_repair_pages_need_login(world, orders, client):
    urls = [url for _n, url in object_pages(orders["a"])] + [url for _n, url, _m in list_pages()]
    urls += [url for _n, url, _d, _m in writes(orders["a"])]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_resident_account_gets_no_repair_pages(world, orders, client):
    client.force_login(world.resident_user)
    for _name, url in object_pages(orders["a"]):
        assert client.get(url).status_code == 404
    for _name, url, _may in list_pages():
        assert client.get(url).status_code == 404
    for _name, url, data, _may in writes(orders["a"]):
        assert client.post(url, data).status_code == 404


@pytest.mark.parametrize("who", [("head_office", "*"), ("admin", "*")])
def test_company_wide_roles_see_both_projects_work_orders(world, orders, client, who):
    client.force_login(world.users[who])
    for code in ("a", "b"):
        assert client.get(reverse("repairs:order", args=[orders[code]["mine"].pk])).status_code == 200


def test_a_non_repair_ticket_has_no_work_order_page(world, client):
    inquiry = ticket_open(project=world.project_a, by=world.assistant, type=TicketType.INQUIRY, title="咨询停车")
    client.force_login(world.assistant)
    assert client.get(reverse("repairs:order", args=[inquiry.pk])).status_code == 404


def test_pool_page_shows_the_grab_button_to_technicians_only(world, orders, client):
    client.force_login(engineer(world))
    html = client.get(reverse("repairs:pool")).content.decode()
    pooled_a, pooled_b = (reverse("repairs:order", args=[orders[c]["pooled"].pk]) for c in "ab")
    assert pooled_a in html and pooled_b not in html
    assert "wo-grab" in html
    client.force_login(world.assistant)
    html = client.get(reverse("repairs:pool")).content.decode()
    assert pooled_a in html and "wo-grab" not in html


def test_grab_page_loser_is_sent_back_to_the_pool(world, orders, client):
    ticket = orders["a"]["pooled"]
    work_order_grab(ticket=ticket, by=second_engineer(world))
    client.force_login(engineer(world))
    response = client.post(reverse("repairs:grab", args=[ticket.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("repairs:pool")
    assert "手慢了" in response.content.decode()


def test_order_page_for_the_technician_shows_arrive_then_complete(world, orders, client):
    ticket = orders["a"]["mine"]
    client.force_login(engineer(world))
    html = client.get(reverse("repairs:order", args=[ticket.pk])).content.decode()
    assert "wo-arrive" in html and "13812345678" in html and 'id="complete-form"' not in html
    assert client.post(reverse("repairs:arrive", args=[ticket.pk])).status_code == 302
    html = client.get(reverse("repairs:order", args=[ticket.pk])).content.decode()
    assert 'id="complete-form"' in html and 'accept="image/*"' in html and "sigpad" in html


def test_phone_is_masked_for_viewers_who_do_not_work_on_the_order(world, orders, client):
    client.force_login(world.users[("cashier", "a")])
    html = client.get(reverse("repairs:order", args=[orders["a"]["mine"].pk])).content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_complete_page_takes_the_drawn_signature_materials_and_photos(world, orders, client):
    _labour, material = price_items(world)
    ticket = orders["a"]["mine"]
    tech = engineer(world)
    work_order_arrive(ticket=ticket, by=tech)
    client.force_login(tech)
    url = reverse("repairs:complete", args=[ticket.pk])
    data = {
        "note": "更换阀芯",
        "m_item": [str(material.pk), ""],
        "m_name": ["", "生料带"],
        "m_price": ["", "2.50"],
        "m_qty": ["2", "1"],
        "signature": "",
        "photos": [photo()],
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "请客户在手机上签名" in response.content.decode()
    data["signature"] = data_url(signature_png())
    data["photos"] = [photo()]
    response = client.post(url, data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert ticket.status == Status.RESOLVED and order.signature
    assert [(line.name, line.quantity) for line in order.lines_of(LineStage.FINAL)] == [
        ("水龙头", Decimal("2.00")),
        ("生料带", Decimal("1.00")),
    ]
    assert TicketAttachment.objects.filter(ticket=ticket).count() == 1
    signature = client.get(reverse("repairs:signature", args=[ticket.pk]))
    assert signature.status_code == 200 and signature["Content-Type"] == "image/png"


def test_quote_and_accept_through_the_page(world, orders, client):
    labour, material = price_items(world)
    ticket = orders["a"]["new"]
    client.force_login(world.assistant)
    assert client.post(reverse("repairs:prepare", args=[ticket.pk]), {"paid": "on"}).status_code == 302
    response = client.post(
        reverse("repairs:quote", args=[ticket.pk]), {"item": [str(labour.pk), str(material.pk), ""], "qty": ["1", "1.5", ""]}
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=ticket.pk).quote_total == Decimal("80.00")
    assert client.post(reverse("repairs:accept", args=[ticket.pk]), {"accepted_by": "张三"}).status_code == 302
    response = client.post(reverse("repairs:quote", args=[ticket.pk]), {"item": [str(labour.pk)], "qty": ["3"]})
    assert response.status_code == 400 and "报价不能再修改" in response.content.decode()
    html = client.get(reverse("repairs:order", args=[ticket.pk])).content.decode()
    assert "80.00" in html and "张三" in html


def test_print_has_three_stubs_with_cut_lines(world, orders, client):
    client.force_login(world.assistant)
    html = client.get(reverse("repairs:print", args=[orders["a"]["signed"].pk])).content.decode()
    for stub in ("存根联", "工程部联", "客户联"):
        assert html.count(stub) == 1
    assert html.count('class="cut"') == 2 and html.count('class="stub"') == 3
    assert "@page { size: A4" in html
    assert reverse("repairs:signature", args=[orders["a"]["signed"].pk]) in html


def test_unfinished_page_lists_open_repairs_of_own_projects(world, orders, client):
    client.force_login(world.supervisor)
    html = client.get(reverse("repairs:unfinished")).content.decode()
    assert orders["a"]["mine"].number in html and orders["a"]["pooled"].number in html
    assert reverse("repairs:order", args=[orders["a"]["signed"].pk]) not in html
    assert reverse("repairs:order", args=[orders["b"]["mine"].pk]) not in html
