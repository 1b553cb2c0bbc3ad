"""Work-order API (/api/v1/tickets/{id}/work-order/…, /api/v1/tickets/pool/): the permission
matrix of every endpoint (see `propdesk.core.testing`), the rules of desk.repairs
answered as {code, message, field}, and one repair end to end — opened through the API,
pooled, grabbed, on site, signed off — with its SLA clocks met."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from propdesk.core.testing import COMPANY_WIDE, STAFF_ROLES, api_client, check_matrix, listed
from propdesk.desk import repairs, services
from propdesk.desk.choices import Department, PriceKind, Status, TicketType
from propdesk.desk.models import PriceItem, Ticket, WorkOrder

# Who may do what with a work order (desk/repairs.py and accounts/roles.py, written out as the rule).
VIEWERS = set(STAFF_ROLES)  # see the work order of a repair they may see
DISPATCHERS = {"assistant", "supervisor", "manager", "admin"}  # prepare, pool, quote (may_dispatch)
HANDLERS = VIEWERS - {"head_office", "cashier"}  # work on the repairs assigned to them (may_work)
GRABBERS = {"engineer", "admin"}  # take an order from the pool (may_grab)
POOL_VIEWERS = DISPATCHERS | GRABBERS  # see the pool

URL = "/api/v1/tickets/{pk}/work-order/{step}"


def _url(ticket: Ticket, step: str = "") -> str:
    return URL.format(pk=ticket.pk, step=f"{step}/" if step else "")


def _user(world, role: str, code: str = "a"):
    return world.users[(role, "*")] if role in COMPANY_WIDE else world.users[(role, code)]


def _dispatcher(world, code: str):
    return world.users[("assistant", code)]


def _repair(world, code: str = "a", **extra) -> Ticket:
    house = world.house_a if code == "a" else world.house_b
    person = world.person_a if code == "a" else world.person_b
    fields = {"title": "厨房水管漏水", "category": "plumbing", "priority": "urgent", **extra}
    return services.ticket_open(
        project=house.project, type=TicketType.REPAIR, by=_dispatcher(world, code), house=house, reporter=person, **fields
    )


def _common_area_repair(world) -> Ticket:
    return services.ticket_open(
        project=world.project_a,
        type=TicketType.REPAIR,
        title="3 栋大堂灯不亮",
        category="electrical",
        location="3 栋大堂",
        reporter_name="保安a",
        by=world.users[("guard", "a")],
    )


def _price_items(project) -> tuple[PriceItem, PriceItem]:
    labour = PriceItem.objects.create(
        project=project, kind=PriceKind.LABOUR, trade="plumbing", name="更换水龙头", unit="次", unit_price=Decimal("30.00")
    )
    material = PriceItem.objects.create(
        project=project, kind=PriceKind.MATERIAL, trade="plumbing", name="水龙头", unit="个", unit_price=Decimal("33.33")
    )
    return labour, material


def _signature(*, ink: bool = True) -> str:
    """A signature as the phone sends it: a PNG as bare base64."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 80), (120, 30), (260, 90)], fill=(17, 17, 17, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _handled_by_caller(world, cell, ticket: Ticket) -> Ticket:
    """Assign the repair to the cell's caller when they handle tickets in its project (a
    handler works only on their own), else to the project's engineer."""
    code = cell.pick("a", "b")
    assignee = world.users[("engineer", code)]
    if cell.role in HANDLERS - COMPANY_WIDE and cell.where == "own":
        assignee = _user(world, cell.role, code)
    return services.ticket_assign(
        ticket=ticket, assignee=assignee, by=_dispatcher(world, code), department=Department.ENGINEERING
    )


def _work_order(ticket: Ticket) -> WorkOrder | None:
    return WorkOrder.objects.filter(pk=ticket.pk).first()


@pytest.fixture
def repairs_ab(world):
    return {code: _repair(world, code) for code in ("a", "b")}


# --- permission matrix ---------------------------------------------------------------------


def test_work_order_get_permission_matrix(world, repairs_ab):
    def get(client, cell):
        ticket = cell.pick(repairs_ab["a"], repairs_ab["b"])
        response = client.get(_url(ticket))
        return response, response.status_code == 200 and response.json()["ticket"] == ticket.pk

    check_matrix(world, VIEWERS, get)


def test_work_order_prepare_permission_matrix(world, repairs_ab):
    def prepare(client, cell):
        ticket = cell.pick(repairs_ab["a"], repairs_ab["b"])
        response = client.post(_url(ticket, "prepare"), {"someone_home": True, "spare_key_allowed": True}, format="json")
        work_order = _work_order(ticket)
        return response, work_order is not None and work_order.spare_key_allowed

    check_matrix(world, DISPATCHERS, prepare)


def test_work_order_quote_permission_matrix(world):
    """A dispatcher, or the technician the repair is assigned to (at the door)."""

    def quote(client, cell):
        code = cell.pick("a", "b")
        ticket = _handled_by_caller(world, cell, _repair(world, code))
        repairs.work_order_prepare(ticket=ticket, paid=True, by=_dispatcher(world, code))
        labour, _material = _price_items(ticket.project)
        payload = {"lines": [{"price_item": labour.pk, "quantity": "1"}]}
        response = client.post(_url(ticket, "quote"), payload, format="json")
        return response, _work_order(ticket).quote_version == 1

    check_matrix(world, HANDLERS, quote)


def test_work_order_accept_quote_permission_matrix(world):
    def accept(client, cell):
        code = cell.pick("a", "b")
        ticket = _handled_by_caller(world, cell, _repair(world, code))
        repairs.work_order_prepare(ticket=ticket, paid=True, by=_dispatcher(world, code))
        labour, _material = _price_items(ticket.project)
        repairs.work_order_quote(ticket=ticket, lines=[(labour, 1)], by=_dispatcher(world, code))
        response = client.post(_url(ticket, "accept-quote"), {"accepted_by": "张三"}, format="json")
        return response, _work_order(ticket).quote_accepted

    check_matrix(world, HANDLERS, accept)


@pytest.mark.parametrize("step", ["open-pool", "close-pool"])
def test_work_order_pool_permission_matrix(world, step):
    def pool_step(client, cell):
        code = cell.pick("a", "b")
        ticket = _repair(world, code)
        if step == "close-pool":
            repairs.work_order_open_pool(ticket=ticket, by=_dispatcher(world, code))
        response = client.post(_url(ticket, step))
        pooled = WorkOrder.objects.filter(pk=ticket.pk, pool_open=True).exists()
        return response, pooled if step == "open-pool" else not pooled

    check_matrix(world, DISPATCHERS, pool_step)


def test_work_order_grab_permission_matrix(world):
    def grab(client, cell):
        code = cell.pick("a", "b")
        ticket = _repair(world, code)
        repairs.work_order_open_pool(ticket=ticket, by=_dispatcher(world, code))
        response = client.post(_url(ticket, "grab"))
        ticket.refresh_from_db()
        return response, ticket.status == Status.ASSIGNED

    check_matrix(world, GRABBERS, grab)


def test_work_order_arrive_permission_matrix(world):
    def arrive(client, cell):
        ticket = _handled_by_caller(world, cell, _repair(world, cell.pick("a", "b")))
        response = client.post(_url(ticket, "arrive"), {}, format="json")
        ticket.refresh_from_db()
        return response, ticket.status == Status.IN_PROGRESS and _work_order(ticket).arrived_at is not None

    check_matrix(world, HANDLERS, arrive)


def test_work_order_complete_permission_matrix(world):
    def complete(client, cell):
        code = cell.pick("a", "b")
        ticket = _handled_by_caller(world, cell, _repair(world, code))
        repairs.work_order_arrive(ticket=ticket, by=_dispatcher(world, code))
        payload = {"note": "更换阀芯，试水正常", "signature": _signature()}
        response = client.post(_url(ticket, "complete"), payload, format="json")
        ticket.refresh_from_db()
        return response, ticket.status == Status.RESOLVED

    check_matrix(world, HANDLERS, complete)


def test_work_order_measure_permission_matrix(world):
    def measure(client, cell):
        ticket = _handled_by_caller(world, cell, _repair(world, cell.pick("a", "b")))
        response = client.post(_url(ticket, "measure"), {"measure": "已关闭分户阀，等待配件"}, format="json")
        work_order = _work_order(ticket)
        return response, work_order is not None and work_order.temporary_measure == "已关闭分户阀，等待配件"

    check_matrix(world, HANDLERS, measure)


def test_work_order_escalate_permission_matrix(world):
    def escalate(client, cell):
        ticket = _handled_by_caller(world, cell, _repair(world, cell.pick("a", "b")))
        payload = {"to": "contractor", "note": "热水器在保修期内"}
        response = client.post(_url(ticket, "escalate"), payload, format="json")
        work_order = _work_order(ticket)
        return response, work_order is not None and work_order.escalated_to == "contractor"

    check_matrix(world, HANDLERS, escalate)


def test_pool_list_permission_matrix(world, repairs_ab):
    for code, ticket in repairs_ab.items():
        repairs.work_order_open_pool(ticket=ticket, by=_dispatcher(world, code))

    def get_pool(client, cell):
        return listed(client.get("/api/v1/tickets/pool/"), cell.pick(repairs_ab["a"], repairs_ab["b"]).pk)

    check_matrix(world, POOL_VIEWERS, get_pool, refused=200)


# --- the rules through the API ---------------------------------------------------------------


def test_a_repair_not_yet_prepared_has_a_blank_work_order(world, repairs_ab):
    body = api_client(world, "engineer").get(_url(repairs_ab["a"])).json()
    assert body["ticket_number"] == repairs_ab["a"].number and body["ticket_status"] == Status.NEW
    assert (body["paid"], body["pool_open"], body["quote_lines"], body["final_lines"], body["signed"]) == (
        False,
        False,
        [],
        [],
        False,
    )
    assert body["promise"] == "15 分钟内到场"  # REP-2 for an urgent repair


def test_other_ticket_types_have_no_work_order(world):
    inquiry = services.ticket_open(project=world.project_a, type=TicketType.INQUIRY, title="问停水", by=world.assistant)
    client = api_client(world, "assistant")
    assert client.get(_url(inquiry)).status_code == 404
    assert client.post(_url(inquiry, "open-pool")).status_code == 404


def test_rep1_prepare_records_the_appointment(world, repairs_ab):
    client = api_client(world, "assistant")
    ticket = repairs_ab["a"]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=2)
    payload = {
        "appointment_start": start.isoformat(),
        "appointment_end": (start + dt.timedelta(hours=1)).isoformat(),
        "someone_home": False,
        "spare_key_allowed": True,
        "paid": True,
    }
    body = client.post(_url(ticket, "prepare"), payload, format="json").json()
    assert (body["someone_home"], body["spare_key_allowed"], body["paid"]) == (False, True, True)
    assert dt.datetime.fromisoformat(body["appointment_start"]) == start
    half = client.post(_url(ticket, "prepare"), {"appointment_start": start.isoformat()}, format="json")
    assert half.status_code == 400
    assert (half.json()["code"], half.json()["field"], half.json()["rule"]) == (
        "work_order_slot_incomplete",
        "appointment_end",
        "REP-1",
    )


def test_rep4_quote_from_the_price_list_then_accepted_before_work_starts(world, repairs_ab):
    ticket = repairs_ab["a"]
    labour, material = _price_items(world.project_a)
    _foreign, _ = _price_items(world.project_b)
    client = api_client(world, "assistant")
    unpaid = client.post(_url(ticket, "quote"), {"lines": [{"price_item": labour.pk, "quantity": "1"}]}, format="json")
    assert unpaid.status_code == 400 and unpaid.json()["code"] == "work_order_not_paid"
    client.post(_url(ticket, "prepare"), {"paid": True}, format="json")
    foreign = client.post(_url(ticket, "quote"), {"lines": [{"price_item": _foreign.pk, "quantity": "1"}]}, format="json")
    assert (foreign.json()["code"], foreign.json()["field"]) == ("work_order_price_item_invalid", "quote-0")
    lines = [{"price_item": labour.pk, "quantity": "1"}, {"price_item": material.pk, "quantity": "2"}]
    body = client.post(_url(ticket, "quote"), {"lines": lines}, format="json").json()
    assert body["quote_total"] == "96.66" and body["quote_version"] == 1
    assert [(row["name"], row["quantity"], row["amount"]) for row in body["quote_lines"]] == [
        ("更换水龙头", "1.00", "30.00"),
        ("水龙头", "2.00", "66.66"),
    ]
    services.ticket_assign(ticket=ticket, assignee=world.users[("engineer", "a")], by=world.assistant)
    technician = api_client(world, "engineer")
    early = technician.post(_url(ticket, "arrive"), {}, format="json")
    assert early.status_code == 400 and (early.json()["code"], early.json()["rule"]) == ("work_order_quote_not_accepted", "REP-4")
    body = technician.post(_url(ticket, "accept-quote"), {"accepted_by": "张三"}, format="json").json()
    assert body["quote_accepted"] is True and body["quote_accepted_by"] == "张三"
    again = client.post(_url(ticket, "quote"), {"lines": lines[:1]}, format="json")
    assert again.json()["code"] == "work_order_quote_accepted"
    assert technician.post(_url(ticket, "arrive"), {}, format="json").json()["ticket_status"] == Status.IN_PROGRESS


def test_a_handler_not_assigned_is_refused_by_the_rule_not_hidden(world, repairs_ab):
    """The technician holds the capability; that the repair is someone else's is a rule (400)."""
    ticket = repairs_ab["a"]
    services.ticket_assign(ticket=ticket, assignee=world.users[("guard", "a")], by=world.assistant)
    response = api_client(world, "engineer").post(_url(ticket, "arrive"), {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "ticket_not_yours"


def test_rep5_only_one_technician_wins_the_grab(world, repairs_ab):
    from propdesk.accounts.models import Membership, User

    ticket = repairs_ab["a"]
    second = User.objects.create_user("engineer2_a", password="pw-123456", display_name="王师傅")
    Membership.objects.create(user=second, project=world.project_a, role="engineer")
    assert api_client(world, "assistant").post(_url(ticket, "open-pool")).json()["pool_open"] is True
    first = api_client(world, "engineer").post(_url(ticket, "grab")).json()
    assert (first["assignee"], first["ticket_status"], first["pool_open"]) == (
        world.users[("engineer", "a")].pk,
        Status.ASSIGNED,
        False,
    )
    late = api_client(world, None)
    late.force_authenticate(second)
    response = late.post(_url(ticket, "grab"))
    assert response.status_code == 400 and response.json()["code"] == "work_order_already_taken"


def test_rep5_the_pool_shows_the_promise_and_who_may_grab(world, repairs_ab, django_assert_max_num_queries):
    for index in range(10):
        repairs.work_order_open_pool(ticket=_repair(world, title=f"报修{index}"), by=world.assistant)
    repairs.work_order_open_pool(ticket=repairs_ab["b"], by=world.outsider)
    client = api_client(world, "engineer")
    # memberships (capabilities), count, one page with project/house/work order joined
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/tickets/pool/").json()
    assert body["count"] == 10
    row = body["results"][0]
    assert (row["promise"], row["can_grab"], row["reporter_phone"]) == ("15 分钟内到场", True, "138****5678")
    assert row["pooled_at"] is not None
    assert api_client(world, "assistant").get("/api/v1/tickets/pool/").json()["results"][0]["can_grab"] is False
    everywhere = api_client(world, "admin")
    assert everywhere.get("/api/v1/tickets/pool/").json()["count"] == 11
    assert everywhere.get("/api/v1/tickets/pool/", {"project": world.project_b.pk}).json()["count"] == 1


def test_rep6_completion_needs_the_customers_signature(world, repairs_ab):
    ticket = repairs_ab["a"]
    services.ticket_assign(ticket=ticket, assignee=world.users[("engineer", "a")], by=world.assistant)
    client = api_client(world, "engineer")
    client.post(_url(ticket, "arrive"), {}, format="json")
    for signature, code in (
        ("", "signature_required"),
        (_signature(ink=False), "signature_blank"),
        ("bm9wZQ==", "signature_not_png"),
    ):
        response = client.post(_url(ticket, "complete"), {"note": "已修好", "signature": signature}, format="json")
        assert response.status_code == 400 and (response.json()["code"], response.json()["field"]) == (code, "signature")
    nothing_said = client.post(_url(ticket, "complete"), {"note": " ", "signature": _signature()}, format="json")
    assert nothing_said.json()["code"] == "work_order_note_required"
    signed = client.post(
        _url(ticket, "complete"), {"note": "更换阀芯", "signature": f"data:image/png;base64,{_signature()}"}, format="json"
    ).json()
    assert (signed["ticket_status"], signed["signed"], signed["completion_note"]) == (Status.RESOLVED, True, "更换阀芯")


def test_rep6_paid_completion_charges_the_lines_used(world, repairs_ab):
    ticket = repairs_ab["a"]
    labour, material = _price_items(world.project_a)
    repairs.work_order_prepare(ticket=ticket, paid=True, by=world.assistant)
    repairs.work_order_quote(ticket=ticket, lines=[(labour, 1)], by=world.assistant)
    services.ticket_assign(ticket=ticket, assignee=world.users[("engineer", "a")], by=world.assistant)
    client = api_client(world, "engineer")
    client.post(_url(ticket, "accept-quote"), {"accepted_by": "张三"}, format="json")
    client.post(_url(ticket, "arrive"), {}, format="json")
    materials = [
        {"price_item": labour.pk, "quantity": "1", "unit_price": "999"},  # the published price, always
        {"price_item": material.pk, "quantity": "1"},
        {"name": "生料带", "quantity": "1", "unit_price": "2.50"},
    ]
    body = client.post(
        _url(ticket, "complete"), {"note": "更换水龙头", "materials": materials, "signature": _signature()}, format="json"
    ).json()
    assert [(row["name"], row["unit_price"]) for row in body["final_lines"]] == [
        ("更换水龙头", "30.00"),
        ("水龙头", "33.33"),
        ("生料带", "2.50"),
    ]
    assert body["final_charge"] == "65.83"


def test_rep7_a_common_area_repair_is_confirmed_by_the_reporter(world):
    ticket = _common_area_repair(world)
    services.ticket_assign(ticket=ticket, assignee=world.users[("engineer", "a")], by=world.assistant)
    client = api_client(world, "engineer")
    client.post(_url(ticket, "arrive"), {}, format="json")
    missing = client.post(_url(ticket, "complete"), {"note": "更换灯管"}, format="json").json()
    assert (missing["code"], missing["field"], missing["rule"]) == (
        "work_order_confirmation_required",
        "confirmed_by_name",
        "REP-7",
    )
    body = client.post(_url(ticket, "complete"), {"note": "更换灯管", "confirmed_by_name": "保安a"}, format="json").json()
    assert (body["ticket_status"], body["confirmed_by_name"], body["signed"]) == (Status.RESOLVED, "保安a", False)


def test_rep6_measure_and_escalation(world, repairs_ab):
    ticket = repairs_ab["a"]
    services.ticket_assign(ticket=ticket, assignee=world.users[("engineer", "a")], by=world.assistant)
    client = api_client(world, "engineer")
    empty = client.post(_url(ticket, "measure"), {"measure": ""}, format="json").json()
    assert (empty["code"], empty["rule"]) == ("work_order_measure_required", "REP-6")
    body = client.post(_url(ticket, "measure"), {"measure": "已关闭分户阀"}, format="json").json()
    assert body["temporary_measure"] == "已关闭分户阀" and body["temporary_measure_at"] is not None
    wrong = client.post(_url(ticket, "escalate"), {"to": "mayor", "note": "x"}, format="json").json()
    assert (wrong["code"], wrong["field"]) == ("invalid_choice", "to")
    body = client.post(_url(ticket, "escalate"), {"to": "manager", "note": "主管道锈蚀，需整体更换"}, format="json").json()
    assert (body["escalated_to"], body["escalated_to_display"]) == ("manager", "项目经理")


def test_desk8_a_special_service_runs_on_the_same_work_order_but_is_never_pooled(world):
    item = PriceItem.objects.create(
        project=world.project_a,
        kind=PriceKind.SERVICE,
        department=Department.CLEANING,
        name="家政保洁",
        unit="次",
        unit_price="120.00",
    )
    ticket = services.ticket_open(
        project=world.project_a,
        type=TicketType.SERVICE,
        title="预约家政保洁",
        house=world.house_a,
        reporter=world.person_a,
        by=world.assistant,
    )
    desk = api_client(world, "assistant")
    desk.post(_url(ticket, "prepare"), {"paid": True}, format="json")
    assert (
        desk.post(_url(ticket, "quote"), {"lines": [{"price_item": item.pk, "quantity": "1"}]}, format="json").json()[
            "quote_total"
        ]
        == "120.00"
    )
    pooled = desk.post(_url(ticket, "open-pool")).json()
    assert (pooled["code"], pooled["rule"]) == ("work_order_pool_repairs", "REP-5")
    services.ticket_assign(ticket=ticket, assignee=world.users[("cleaner", "a")], by=world.assistant)
    cleaner = api_client(world, "cleaner")
    cleaner.post(_url(ticket, "accept-quote"), {"accepted_by": "张三"}, format="json")
    cleaner.post(_url(ticket, "arrive"), {}, format="json")
    body = cleaner.post(_url(ticket, "complete"), {"note": "保洁完成，客户验收", "signature": _signature()}, format="json").json()
    assert (body["ticket_status"], body["final_charge"]) == (Status.RESOLVED, "120.00")


# --- end to end ------------------------------------------------------------------------------


def test_urgent_repair_end_to_end_through_the_api(world):
    """Opened by the assistant, pooled, grabbed by the engineer, on site, signed: resolved,
    and the SLA clocks of dispatch, arrival and resolution met."""
    from propdesk.core.services import calendar_create_default
    from propdesk.sla.models import SlaClock
    from propdesk.sla.services import sla_install_presets

    calendar_create_default(name="公司默认工作日历", today=timezone.localdate())
    sla_install_presets(variant="002")
    desk, technician = api_client(world, "assistant"), api_client(world, "engineer")
    opened = desk.post(
        "/api/v1/tickets/",
        {
            "type": "repair",
            "title": "卫生间水管爆裂",
            "category": "plumbing",
            "priority": "urgent",
            "house": world.house_a.pk,
            "reporter": world.person_a.pk,
            "channel": "phone",
        },
        format="json",
    )
    assert opened.status_code == 201
    ticket = Ticket.objects.get(pk=opened.json()["id"])
    assert SlaClock.objects.filter(ticket=ticket).exists()
    assert desk.post(_url(ticket, "open-pool")).json()["pool_open"] is True
    pool = technician.get("/api/v1/tickets/pool/").json()["results"]
    assert [row["id"] for row in pool] == [ticket.pk] and pool[0]["can_grab"] is True
    grabbed = technician.post(_url(ticket, "grab")).json()
    assert grabbed["assignee"] == world.users[("engineer", "a")].pk
    arrived = technician.post(_url(ticket, "arrive"), {}, format="json").json()
    assert arrived["arrived_at"] is not None and arrived["ticket_status"] == Status.IN_PROGRESS
    done = technician.post(_url(ticket, "complete"), {"note": "更换爆裂管段", "signature": _signature()}, format="json")
    assert done.status_code == 200 and done.json()["ticket_status"] == Status.RESOLVED
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    clocks = list(SlaClock.objects.filter(ticket=ticket))
    assert clocks and all(clock.met_at is not None for clock in clocks), [(c.kind, c.state) for c in clocks]
    assert {clock.kind for clock in clocks} >= {"dispatch", "on_site"}
    timeline = [row["kind"] for row in desk.get(f"/api/v1/tickets/{ticket.pk}/events/").json()]
    assert timeline[0] == "created" and "assigned" in timeline


def test_schema_lists_the_work_order_endpoints(world):
    schema = api_client(world, "assistant").get("/api/schema/", {"format": "json"}).json()
    for step in ("", "prepare/", "quote/", "accept-quote/", "open-pool/", "close-pool/", "grab/", "arrive/", "complete/"):
        assert f"/api/v1/tickets/{{id}}/work-order/{step}" in schema["paths"], step
    assert "/api/v1/tickets/{id}/work-order/measure/" in schema["paths"]
    assert "/api/v1/tickets/{id}/work-order/escalate/" in schema["paths"]
    assert "/api/v1/tickets/pool/" in schema["paths"]
