"""Service-desk API (/api/v1/): the permission matrix of every endpoint (role × own
project / other project / no login, one test per endpoint — see
`propdesk.core.testing`), the {code, message, field} error format, masking (ARC-5),
contacts ending three ways (DESK-1), filters and the list's query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.testing import STAFF_ROLES, api_client, check_matrix, listed
from propdesk.desk import services
from propdesk.desk.choices import ContactOutcome, EventKind, Status
from propdesk.desk.models import Contact, Ticket, TicketEvent

# Who may do what with tickets (accounts/roles.py, written out as the rule).
TICKET_VIEWERS = set(STAFF_ROLES)
TICKET_CREATORS = TICKET_VIEWERS - {"head_office"}  # any staff reports a fault (REP-7)
TICKET_HANDLERS = TICKET_CREATORS - {"cashier"}  # work on tickets assigned to them
DISPATCHERS = {"assistant", "supervisor", "manager", "admin"}  # assign anyone's tickets (DESK-3/4)
CLASSIFIERS = {"supervisor", "manager", "admin"}  # complaint severity (CMP-4/5)


def _user(world, role: str, code: str = "a"):
    return world.users[(role, "*")] if role in ("head_office", "admin") else world.users[(role, code)]


def _repair(world, code: str = "a", *, by=None, **extra) -> Ticket:
    house = world.house_a if code == "a" else world.house_b
    person = world.person_a if code == "a" else world.person_b
    fields = {"title": "厨房下水道堵塞", "priority": "urgent", "category": "plumbing", **extra}
    return services.ticket_open(
        project=house.project, type="repair", by=by or world.users[("assistant", code)], house=house, reporter=person, **fields
    )


@pytest.fixture
def tickets(world):
    return {code: _repair(world, code) for code in ("a", "b")}


@pytest.fixture
def contacts(world, tickets):
    return {
        code: services.contact_log(
            project=tickets[code].project,
            channel="phone",
            content="催修下水道",
            caller_number="13812345678",
            by=world.users[("assistant", code)],
            existing_ticket=tickets[code],
        )
        for code in ("a", "b")
    }


# --- reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["contacts", "tickets"])
def test_desk_lists_permission_matrix(world, tickets, contacts, endpoint):
    rows = {"contacts": contacts, "tickets": tickets}[endpoint]

    def get_list(client, cell):
        return listed(
            client.get(f"/api/v1/{endpoint}/", {"group": "all"} if endpoint == "tickets" else {}),
            cell.pick(rows["a"], rows["b"]).pk,
        )

    check_matrix(world, TICKET_VIEWERS, get_list, refused=200)


@pytest.mark.parametrize("endpoint", ["contacts", "tickets"])
def test_desk_detail_permission_matrix(world, tickets, contacts, endpoint):
    rows = {"contacts": contacts, "tickets": tickets}[endpoint]

    def get_detail(client, cell):
        return client.get(f"/api/v1/{endpoint}/{cell.pick(rows['a'], rows['b']).pk}/")

    check_matrix(world, TICKET_VIEWERS, get_detail)


def test_ticket_events_permission_matrix(world, tickets):
    def get_events(client, cell):
        response = client.get(f"/api/v1/tickets/{cell.pick(tickets['a'], tickets['b']).pk}/events/")
        return response, response.status_code == 200 and response.json()[0]["kind"] == EventKind.CREATED

    check_matrix(world, TICKET_VIEWERS, get_events)


# --- writes -------------------------------------------------------------------------------


def test_contact_create_permission_matrix(world):
    def create(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        payload = {"channel": "phone", "house": house.pk, "content": "咨询快递柜位置", "answer": "在1栋大堂"}
        response = client.post("/api/v1/contacts/", payload, format="json")
        return response, Contact.objects.filter(house=house, content="咨询快递柜位置").exists()

    check_matrix(world, TICKET_CREATORS, create, ok=201)


def test_ticket_create_permission_matrix(world):
    def create(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        payload = {"project": project.pk, "type": "repair", "title": "路灯不亮", "category": "electrical", "location": "南门"}
        response = client.post("/api/v1/tickets/", payload, format="json")
        return response, Ticket.objects.filter(project=project, title="路灯不亮").exists()

    check_matrix(world, TICKET_CREATORS, create, ok=201)


def test_ticket_transition_permission_matrix(world):
    """Handlers move the tickets assigned to them (dispatchers any ticket)."""

    def move(client, cell):
        code = cell.pick("a", "b")
        ticket = _repair(world, code)
        if cell.role and cell.role != "resident":
            user = _user(world, cell.role)
            if scoping.has_cap(user, Cap.TICKET_HANDLE, ticket.project_id):
                services.ticket_assign(ticket=ticket, assignee=user, by=world.users[("assistant", code)])
        response = client.post(f"/api/v1/tickets/{ticket.pk}/transition/", {"to_status": "in_progress"}, format="json")
        return response, Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS

    check_matrix(world, TICKET_HANDLERS, move)


def test_ticket_assign_permission_matrix(world):
    """The receiver hands over what they received (首问责任制, DESK-3); dispatchers too."""

    def assign(client, cell):
        code = cell.pick("a", "b")
        receiver = world.users[("assistant", code)]
        if cell.role and cell.role != "resident":
            user = _user(world, cell.role)
            if scoping.has_cap(user, Cap.TICKET_CREATE, cell.pick(world.project_a, world.project_b).pk):
                receiver = user
        ticket = services.ticket_open(
            project=cell.pick(world.project_a, world.project_b), type="request", title="借梯子", by=receiver
        )
        engineer = world.users[("engineer", code)]
        response = client.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": engineer.pk}, format="json")
        return response, Ticket.objects.get(pk=ticket.pk).assignee_id == engineer.pk

    check_matrix(world, TICKET_CREATORS, assign)


def test_ticket_priority_permission_matrix(world, tickets):
    def change(client, cell):
        ticket = cell.pick(tickets["a"], tickets["b"])
        response = client.post(
            f"/api/v1/tickets/{ticket.pk}/priority/", {"priority": "very_urgent", "reason": "水漫楼下"}, format="json"
        )
        return response, Ticket.objects.get(pk=ticket.pk).priority == "very_urgent"

    check_matrix(world, DISPATCHERS | CLASSIFIERS, change)


def test_ticket_comment_permission_matrix(world, tickets):
    def comment(client, cell):
        ticket = cell.pick(tickets["a"], tickets["b"])
        response = client.post(f"/api/v1/tickets/{ticket.pk}/comments/", {"note": "已电话联系客户"}, format="json")
        return response, TicketEvent.objects.filter(ticket=ticket, kind=EventKind.COMMENT).exists()

    check_matrix(world, TICKET_VIEWERS, comment, ok=201)


# --- the rules through the API ------------------------------------------------------------


def test_error_format_for_a_refused_transition(world, tickets):
    client = api_client(world, "assistant")
    url = f"/api/v1/tickets/{tickets['a'].pk}/transition/"
    body = client.post(url, {"to_status": "closed"}, format="json").json()
    assert body == {
        "code": "ticket_transition_refused",
        "message": "工单状态不能从“新建”变为“已关闭”",
        "field": "status",
        "rule": None,
    }
    body = client.post(url, {"to_status": "cancelled"}, format="json").json()
    assert (body["code"], body["field"]) == ("ticket_cancel_reason", "note")
    response = client.post(url, {"to_status": "done"}, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == ("invalid_choice", "to_status")
    assert body["message"].startswith("目标状态：")


def test_handler_may_not_move_a_ticket_assigned_to_someone_else(world, tickets):
    services.ticket_assign(ticket=tickets["a"], assignee=world.users[("engineer", "a")], by=world.assistant)
    response = api_client(world, "guard").post(f"/api/v1/tickets/{tickets['a'].pk}/transition/", {"to_status": "in_progress"})
    assert response.status_code == 400 and response.json()["code"] == "ticket_not_yours"


def test_assign_refuses_staff_of_another_project_without_naming_them(world, tickets):
    client = api_client(world, "assistant")
    outsider = world.users[("engineer", "b")]
    response = client.post(f"/api/v1/tickets/{tickets['a'].pk}/assign/", {"assignee": outsider.pk}, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == ("ticket_assignee_invalid", "assignee")
    assert str(outsider) not in body["message"]
    receiver_only = world.users[("engineer", "a")]  # neither dispatcher nor the receiver
    response = api_client(world, "engineer").post(
        f"/api/v1/tickets/{tickets['a'].pk}/assign/", {"assignee": receiver_only.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "ticket_assign_refused"


def test_desk1_contact_ends_three_ways(world, tickets):
    client = api_client(world, "assistant")
    base = {"channel": "phone", "caller_number": "+86 138 1234 5678", "person": world.person_a.pk, "house": world.house_a.pk}
    answered = client.post("/api/v1/contacts/", {**base, "content": "问停车费", "answer": "100元/月"}, format="json")
    assert answered.status_code == 201 and answered.json()["outcome"] == ContactOutcome.ANSWERED
    assert answered.json()["caller_number"] == "138****5678"
    opened = client.post(
        "/api/v1/contacts/",
        {
            **base,
            "content": "阳台漏水",
            "read_back": "张先生您好……",
            "ticket": {"type": "repair", "title": "阳台漏水", "category": "plumbing", "priority": "urgent"},
        },
        format="json",
    ).json()
    ticket = Ticket.objects.get(pk=opened["ticket"])
    assert (opened["outcome"], opened["read_back"], ticket.house, ticket.reporter) == (
        "ticket",
        "张先生您好……",
        world.house_a,
        world.person_a,
    )
    assert ticket.description == "阳台漏水" and opened["ticket_number"] == ticket.number
    linked = client.post("/api/v1/contacts/", {**base, "content": "再催", "existing_ticket": tickets["a"].pk}, format="json")
    assert linked.json()["outcome"] == ContactOutcome.LINKED
    none = client.post("/api/v1/contacts/", {**base, "content": "？"}, format="json").json()
    assert (none["code"], none["field"]) == ("contact_outcome_required", "outcome")
    foreign = client.post(
        "/api/v1/contacts/", {**base, "person": world.person_b.pk, "content": "x", "answer": "y"}, format="json"
    )
    assert foreign.status_code == 404


def test_contact_without_house_needs_a_project(world):
    client = api_client(world, "assistant")
    body = client.post("/api/v1/contacts/", {"channel": "visit", "content": "问路", "answer": "左转"}, format="json").json()
    assert (body["code"], body["field"]) == ("project_required", "project")
    response = client.post(
        "/api/v1/contacts/",
        {"project": world.project_b.pk, "channel": "visit", "content": "问路", "answer": "左转"},
        format="json",
    )
    assert response.status_code == 404


def test_ticket_detail_has_timeline_in_words_and_masked_phone(world, tickets):
    engineer = world.users[("engineer", "a")]
    services.ticket_assign(ticket=tickets["a"], assignee=engineer, by=world.assistant, department="engineering")
    body = api_client(world, "supervisor").get(f"/api/v1/tickets/{tickets['a'].pk}/").json()
    assert body["reporter_phone"] == "138****5678" and body["house_code"] == "3-2-1201"
    assert body["category_display"] == "给排水" and body["status"] == "assigned"
    assert body["next_statuses"] == [
        "in_progress",
        "waiting_customer",
        "waiting_parts",
        "waiting_appointment",
        "resolved",
        "cancelled",
    ]
    assigned = body["events"][1]
    assert assigned["kind"] == "assigned" and assigned["actor_name"] == str(world.assistant)
    assert {"label": "处理人", "before": "—", "after": str(engineer)} in assigned["changes"]
    assert {"label": "状态", "before": "新建", "after": "已派单"} in assigned["changes"]


def test_ticket_filters(world, tickets):
    engineer = world.users[("engineer", "a")]
    services.ticket_assign(ticket=tickets["a"], assignee=engineer, by=world.assistant)
    complaint = services.ticket_open(
        project=world.project_a, type="complaint", title="噪音扰民", category="other", by=world.assistant, location="2栋"
    )
    client = api_client(world, "assistant")

    def ids(**params):
        return {row["id"] for row in client.get("/api/v1/tickets/", params).json()["results"]}

    assert ids() == {tickets["a"].pk, complaint.pk}
    assert ids(type="complaint") == {complaint.pk}
    assert ids(assignee=engineer.pk) == {tickets["a"].pk}
    assert ids(q="噪音") == {complaint.pk}
    assert ids(house=world.house_b.pk) == ids(house=999999) == set()  # another project's house looks missing
    assert api_client(world, "engineer").get("/api/v1/tickets/", {"mine": "true"}).json()["count"] == 1
    services.ticket_transition(ticket=complaint, to_status="cancelled", by=world.assistant, note="重复")
    assert ids(group="open") == {tickets["a"].pk} and ids(group="done") == {complaint.pk}
    response = client.get("/api/v1/tickets/", {"group": "later"})
    assert response.status_code == 400 and response.json()["field"] == "group"


def test_ticket_list_is_in_queue_order(world):
    now = timezone.now()
    later, sooner, none = (_repair(world, title=t) for t in ("晚", "早", "无"))
    Ticket.objects.filter(pk=later.pk).update(next_deadline_at=now + dt.timedelta(hours=3))
    Ticket.objects.filter(pk=sooner.pk).update(next_deadline_at=now + dt.timedelta(minutes=10))
    rows = api_client(world, "assistant").get("/api/v1/tickets/").json()["results"]
    assert [row["id"] for row in rows] == [sooner.pk, later.pk, none.pk]


def test_ticket_list_query_count_is_locked(world, django_assert_max_num_queries):
    engineer = world.users[("engineer", "a")]
    for index in range(30):
        ticket = _repair(world, title=f"报修{index}")
        if index % 2:
            services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    client = api_client(world, "assistant")
    # memberships (capabilities), count, one page with project/house/assignee joined
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/tickets/")
    assert response.status_code == 200 and response.json()["count"] == 30


def test_contact_list_query_count_is_locked(world, tickets, django_assert_max_num_queries):
    for index in range(20):
        services.contact_log(
            project=world.project_a, channel="phone", content=f"咨询{index}", by=world.assistant, house=world.house_a, answer="好"
        )
    client = api_client(world, "assistant")
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/contacts/")
    assert response.status_code == 200 and response.json()["count"] == 20


def test_schema_lists_the_desk_endpoints(world):
    schema = api_client(world, "assistant").get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/tickets/",
        "/api/v1/tickets/{id}/",
        "/api/v1/tickets/{id}/transition/",
        "/api/v1/tickets/{id}/assign/",
        "/api/v1/tickets/{id}/priority/",
        "/api/v1/tickets/{id}/comments/",
        "/api/v1/tickets/{id}/events/",
    ):
        assert path in schema["paths"], path


def test_ticket_create_answers_what_the_detail_shows_in_locked_queries(world, django_assert_num_queries):
    from propdesk.core.services import calendar_create_default
    from propdesk.sla.services import sla_install_presets

    calendar_create_default(name="公司默认工作日历", today=dt.date(2026, 1, 1))
    sla_install_presets(variant="002")
    client = api_client(world, "assistant")
    payload = {"type": "repair", "category": "plumbing", "title": "厨房水管漏水", "house": world.house_a.pk}
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == 201  # this process reads the SLA set-up
    # the house through the scoping door (the caller's capabilities are read already);
    # savepoint, SLA stamp, counter, ticket (with its next deadline), event, clocks,
    # release; the timeline for the answer
    with django_assert_num_queries(9):
        response = client.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["next_deadline_at"] is not None and [e["kind"] for e in created["events"]] == ["created"]
    assert created == client.get(f"/api/v1/tickets/{created['id']}/").json()
