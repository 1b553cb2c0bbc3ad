"""Emergency and duty-roster API: an emergency opened with POST /api/v1/tickets/ (DESK-7),
its plan, responders and checklist (GET tickets/{id}/emergency/), ticking steps, keeping
the caller informed and the written summary (INC-4); the duty roster (/api/v1/duty-shifts/).
Each endpoint with its permission matrix (see `propdesk.core.testing`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.core.testing import COMPANY_WIDE, STAFF_ROLES, api_client, check_matrix, listed
from propdesk.desk import emergencies, services
from propdesk.desk.choices import Department, EmergencyKind, EmergencyStep, EventKind, Status, TicketType
from propdesk.desk.emergency_plans import PRESET_PLANS, emergency_plans_install
from propdesk.desk.models import DutyShift, EmergencyCheck, EmergencyDetail, Ticket, TicketEvent

# Who may do what (accounts/roles.py and desk/emergencies.py, written out as the rule).
VIEWERS = set(STAFF_ROLES)  # see emergencies and the roster
OPENERS = VIEWERS - {"head_office"}  # raise an emergency (any staff, TICKET_CREATE)
HANDLERS = OPENERS - {"cashier"}  # act on one (TICKET_HANDLE) — when it is theirs or the alarm reached them
ROSTER_KEEPERS = {"assistant", "supervisor", "manager", "admin"}  # dispatchers keep the roster

SUMMARY = "22:10 巡逻发现 3 栋地下室给水管爆管，22:15 关阀，更换管段 1.5 米，次日 01:30 恢复供水。"


@pytest.fixture(autouse=True)
def plans(db):
    """The shipped plans, as the migration installs them (again if a test flushed them)."""
    emergency_plans_install()


def _user(world, role: str, code: str = "a"):
    return world.users[(role, "*")] if role in COMPANY_WIDE else world.users[(role, code)]


def _project(world, code: str):
    return world.project_a if code == "a" else world.project_b


def _raise(world, code: str = "a", kind: str = EmergencyKind.BURST_PIPE) -> Ticket:
    return services.ticket_open(
        project=_project(world, code),
        type=TicketType.EMERGENCY,
        category=kind,
        title="地下室给水管爆管",
        location="3栋地下室水泵房",
        reporter_name="巡逻保安",
        reporter_phone="13800001111",
        by=world.users[("assistant", code)],
    )


def _on_duty(world, user, code: str, department: str = Department.ENGINEERING, *, start: int = -1) -> DutyShift:
    now = timezone.now()
    return emergencies.duty_shift_add(
        project=_project(world, code),
        department=department,
        user=user,
        starts_at=now + dt.timedelta(hours=start),
        ends_at=now + dt.timedelta(hours=start + 8),
        by=world.users[("supervisor", code)],
    )[0]


def _alarmed(world, cell) -> Ticket:
    """An emergency in the cell's project whose alarm reached the caller: they are put on
    duty for its department first, when they are staff who may be on duty there (a cashier
    or head office too: alarmed, they still do not handle tickets)."""
    code = cell.pick("a", "b")
    if cell.role not in (None, "resident") and (cell.where == "own" or cell.role in COMPANY_WIDE):
        _on_duty(world, _user(world, cell.role, code), code)
    return _raise(world, code)


def _url(ticket: Ticket, step: str = "") -> str:
    return f"/api/v1/tickets/{ticket.pk}/emergency/{step}/" if step else f"/api/v1/tickets/{ticket.pk}/emergency/"


# --- opening one (DESK-7) -------------------------------------------------------------------


def test_desk7_an_emergency_is_opened_with_post_tickets(world):
    client = api_client(world, "guard")
    payload = {
        "project": world.project_a.pk,
        "type": "emergency",
        "category": "burst_pipe",
        "title": "地下室给水管爆管",
        "location": "3栋地下室水泵房",
        "channel": "staff",
    }
    response = client.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["category_display"], body["department"]) == ("emergency", "爆管、水浸", "engineering")
    assert any(event["kind"] == EventKind.EMERGENCY for event in body["events"])
    emergency = client.get(f"/api/v1/tickets/{body['id']}/emergency/").json()
    assert (emergency["kind"], emergency["kind_display"], emergency["department_display"]) == (
        "burst_pipe",
        "爆管、水浸",
        "工程部",
    )
    assert [row["text"] for row in emergency["checklist"]] == list(PRESET_PLANS[EmergencyKind.BURST_PIPE][1])
    assert [row["position"] for row in emergency["checklist"]][:2] == [1, 2]
    # nobody on the roster: the department's people; and up the line at once (INC-2)
    responders = {row["id"] for row in emergency["responders"]}
    assert {_user(world, role).pk for role in ("engineer", "supervisor", "manager")} <= responders
    assert emergency["notified_at"] is not None and emergency["summary"] == ""


def test_desk7_an_emergency_needs_its_kind(world):
    payload = {"project": world.project_a.pk, "type": "emergency", "title": "着火了", "location": "2栋"}
    body = api_client(world, "assistant").post("/api/v1/tickets/", payload, format="json").json()
    assert (body["field"], body["rule"]) == ("category", "INC-4")


def test_emergency_open_permission_matrix(world):
    def open_one(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        payload = {"project": project.pk, "type": "emergency", "category": "fire", "title": "车库冒烟", "location": "B1"}
        response = client.post("/api/v1/tickets/", payload, format="json")
        return response, EmergencyDetail.objects.filter(ticket__project=project, ticket__title="车库冒烟").exists()

    check_matrix(world, OPENERS, open_one, ok=201)


# --- permission matrix ---------------------------------------------------------------------


def test_emergency_get_permission_matrix(world):
    tickets = {code: _raise(world, code) for code in ("a", "b")}

    def get(client, cell):
        response = client.get(_url(cell.pick(tickets["a"], tickets["b"])))
        return response, response.status_code == 200 and len(response.json()["checklist"]) > 0

    check_matrix(world, VIEWERS, get)


def test_emergency_check_permission_matrix(world):
    def check(client, cell):
        ticket = _alarmed(world, cell)
        response = client.post(_url(ticket, "check"), {"position": 1}, format="json")
        return response, EmergencyCheck.objects.filter(ticket=ticket, position=1, done_at__isnull=False).exists()

    check_matrix(world, HANDLERS, check)


def test_emergency_inform_permission_matrix(world):
    def inform(client, cell):
        ticket = _alarmed(world, cell)
        response = client.post(_url(ticket, "inform"), {"note": "已告知：工程部已关阀抢修"}, format="json")
        informed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EMERGENCY, after__step=EmergencyStep.CALLER_INFORMED)
        return response, informed.exists()

    check_matrix(world, HANDLERS, inform)


def test_emergency_summary_permission_matrix(world):
    def summarise(client, cell):
        ticket = _alarmed(world, cell)
        response = client.post(_url(ticket, "summary"), {"summary": SUMMARY}, format="json")
        return response, EmergencyDetail.objects.get(ticket=ticket).summary == SUMMARY

    check_matrix(world, HANDLERS, summarise)


# --- the rules through the API ---------------------------------------------------------------


def test_inc4_steps_ticked_once_with_who_and_when(world):
    ticket = _raise(world)
    engineer = _user(world, "engineer")  # alarmed: the engineering department, nobody on the roster
    client = api_client(world, "engineer")
    body = client.post(_url(ticket, "check"), {"position": 1}, format="json").json()
    first = body["checklist"][0]
    assert (first["done_by"], first["done_by_name"]) == (engineer.pk, str(engineer)) and first["done_at"]
    again = api_client(world, "supervisor").post(_url(ticket, "check"), {"position": 1}, format="json").json()
    assert again["checklist"][0] == first
    missing = client.post(_url(ticket, "check"), {"position": 99}, format="json").json()
    assert (missing["code"], missing["field"]) == ("emergency_step_missing", "position")


def test_desk7_staff_the_alarm_did_not_reach_are_refused_by_the_rule(world):
    ticket = _raise(world, kind=EmergencyKind.FIRE)  # security answers; the cleaner is not involved
    response = api_client(world, "cleaner").post(_url(ticket, "check"), {"position": 1}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "emergency_not_yours"


def test_desk7_the_caller_is_kept_informed(world):
    ticket = _raise(world)
    client = api_client(world, "assistant")
    empty = client.post(_url(ticket, "inform"), {"note": " "}, format="json").json()
    assert (empty["code"], empty["rule"]) == ("emergency_inform_note", "DESK-7")
    assert client.post(_url(ticket, "inform"), {"note": "预计 2 小时恢复供水"}, format="json").status_code == 200
    events = client.get(f"/api/v1/tickets/{ticket.pk}/events/").json()
    assert any(row["kind"] == "emergency" and row["note"] == "预计 2 小时恢复供水" for row in events)


def test_inc4_no_emergency_is_done_without_its_written_summary(world):
    ticket = _raise(world)
    engineer = _user(world, "engineer")
    services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    client = api_client(world, "engineer")
    client.post(f"/api/v1/tickets/{ticket.pk}/transition/", {"to_status": "in_progress"}, format="json")
    early = client.post(f"/api/v1/tickets/{ticket.pk}/transition/", {"to_status": "resolved"}, format="json").json()
    assert (early["code"], early["rule"]) == ("emergency_summary_required", "INC-4")
    short = client.post(_url(ticket, "summary"), {"summary": "已处理"}, format="json").json()
    assert short["code"] == "emergency_summary_short"
    body = client.post(_url(ticket, "summary"), {"summary": SUMMARY}, format="json").json()
    assert (body["summary"], body["summary_by"], body["summary_by_name"]) == (SUMMARY, engineer.pk, str(engineer))
    twice = client.post(_url(ticket, "summary"), {"summary": SUMMARY + "补充"}, format="json").json()
    assert twice["code"] == "emergency_summary_exists"
    done = client.post(f"/api/v1/tickets/{ticket.pk}/transition/", {"to_status": "resolved"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == Status.RESOLVED


def test_other_ticket_types_have_no_emergency(world):
    inquiry = services.ticket_open(project=world.project_a, type=TicketType.INQUIRY, title="问停水", by=world.assistant)
    client = api_client(world, "supervisor")
    assert client.get(_url(inquiry)).status_code == 404
    assert client.post(_url(inquiry, "inform"), {"note": "x"}, format="json").status_code == 404


def test_emergency_detail_query_count_is_locked(world, django_assert_max_num_queries):
    ticket = _raise(world)
    for position in (1, 2, 3):
        emergencies.emergency_check(ticket=ticket, position=position, by=world.supervisor)
    client = api_client(world, "assistant")
    # memberships, the ticket, the detail with ticket and summariser, responders, checks with who ticked
    with django_assert_max_num_queries(5):
        response = client.get(_url(ticket))
    assert response.status_code == 200 and len(response.json()["responders"]) >= 2


# --- the duty roster (值班表) -------------------------------------------------------------------


def _shift_payload(world, code: str, *, hours_from_now: int = 24, **extra) -> dict:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours_from_now)
    return {
        "project": _project(world, code).pk,
        "department": "security",
        "user": world.users[("guard", code)].pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=12)).isoformat(),
        **extra,
    }


@pytest.fixture
def shifts(world):
    return {code: _on_duty(world, world.users[("guard", code)], code, Department.SECURITY, start=24) for code in ("a", "b")}


def test_duty_shift_list_permission_matrix(world, shifts):
    def get_list(client, cell):
        return listed(client.get("/api/v1/duty-shifts/"), cell.pick(shifts["a"], shifts["b"]).pk)

    check_matrix(world, VIEWERS, get_list, refused=200)


def test_duty_shift_detail_permission_matrix(world, shifts):
    def get_detail(client, cell):
        return client.get(f"/api/v1/duty-shifts/{cell.pick(shifts['a'], shifts['b']).pk}/")

    check_matrix(world, VIEWERS, get_detail)


def test_duty_shift_create_permission_matrix(world):
    def create(client, cell):
        code = cell.pick("a", "b")
        response = client.post("/api/v1/duty-shifts/", _shift_payload(world, code), format="json")
        return response, DutyShift.objects.filter(project=_project(world, code)).exists()

    check_matrix(world, ROSTER_KEEPERS, create, ok=201)


def test_duty_shift_delete_permission_matrix(world, shifts):
    def delete(client, cell):
        shift = cell.pick(shifts["a"], shifts["b"])
        response = client.delete(f"/api/v1/duty-shifts/{shift.pk}/")
        return response, not DutyShift.objects.filter(pk=shift.pk).exists()

    check_matrix(world, ROSTER_KEEPERS, delete, ok=204)


def test_duty_shift_repeats_the_same_hours(world):
    body = (
        api_client(world, "supervisor")
        .post("/api/v1/duty-shifts/", _shift_payload(world, "a", repeat_days=3), format="json")
        .json()
    )
    starts = [dt.datetime.fromisoformat(row["starts_at"]) for row in body]
    assert [later - starts[0] for later in starts] == [dt.timedelta(days=d) for d in range(3)]
    guard = world.users[("guard", "a")]
    assert {(row["user"], row["user_name"], row["department_display"]) for row in body} == {(guard.pk, str(guard), "秩序维护部")}
    assert body[0]["created_by"] == world.supervisor.pk


def test_duty_shift_refusals_name_the_field(world):
    client = api_client(world, "supervisor")

    def refused(**change):
        return client.post("/api/v1/duty-shifts/", _shift_payload(world, "a", **change), format="json").json()

    other_guard = refused(user=world.users[("guard", "b")].pk)
    nobody = refused(user=999999)
    assert (other_guard["code"], other_guard["field"]) == ("duty_user_invalid", "user")
    assert nobody == other_guard  # a missing user and another project's look the same
    assert refused(repeat_days=40)["field"] == "repeat_days"
    assert refused(department="nowhere")["code"] == "invalid_choice"
    assert not DutyShift.objects.exists()


def test_a_shift_that_has_begun_stays_on_the_roster(world):
    running = _on_duty(world, world.users[("guard", "a")], "a", Department.SECURITY, start=-1)
    response = api_client(world, "supervisor").delete(f"/api/v1/duty-shifts/{running.pk}/")
    assert response.status_code == 400 and response.json()["code"] == "duty_shift_started"
    assert DutyShift.objects.filter(pk=running.pk).exists()


def test_duty_shift_filters(world):
    guard, engineer = world.users[("guard", "a")], world.users[("engineer", "a")]
    now_shift = _on_duty(world, guard, "a", Department.SECURITY, start=-1)
    tomorrow = _on_duty(world, engineer, "a", Department.ENGINEERING, start=24)
    in_b = _on_duty(world, world.users[("guard", "b")], "b", Department.SECURITY, start=-1)
    client = api_client(world, "admin")

    def ids(**params):
        return {row["id"] for row in client.get("/api/v1/duty-shifts/", params).json()["results"]}

    assert ids() == {now_shift.pk, tomorrow.pk, in_b.pk}
    assert ids(project=world.project_a.pk) == {now_shift.pk, tomorrow.pk}
    assert ids(department="engineering") == {tomorrow.pk}
    assert ids(user=guard.pk) == {now_shift.pk}
    assert ids(at=timezone.now().isoformat(), project=world.project_a.pk) == {now_shift.pk}  # who is on duty now
    day_after = timezone.localdate(tomorrow.ends_at) + dt.timedelta(days=1)
    assert ids(date_from=day_after.isoformat()) == set()
    assert tomorrow.pk in ids(date_from=timezone.localdate(tomorrow.starts_at).isoformat())
    # The day before the earliest shift began (not "yesterday": in the hour after midnight it began yesterday).
    assert ids(date_to=(timezone.localdate(now_shift.starts_at) - dt.timedelta(days=1)).isoformat()) == set()
    response = client.get("/api/v1/duty-shifts/", {"date_from": "yesterday"})
    assert response.status_code == 400 and response.json()["field"] == "date_from"


def test_duty_shift_list_query_count_is_locked(world, django_assert_max_num_queries):
    for index in range(10):
        _on_duty(world, world.users[("guard", "a")], "a", Department.SECURITY, start=24 * (index + 1))
    client = api_client(world, "assistant")
    # memberships, count, one page with project/user/created_by joined
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/duty-shifts/")
    assert response.status_code == 200 and response.json()["count"] == 10


def test_schema_lists_the_emergency_endpoints(world):
    schema = api_client(world, "assistant").get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/tickets/{id}/emergency/",
        "/api/v1/tickets/{id}/emergency/check/",
        "/api/v1/tickets/{id}/emergency/inform/",
        "/api/v1/tickets/{id}/emergency/summary/",
        "/api/v1/duty-shifts/",
        "/api/v1/duty-shifts/{id}/",
    ):
        assert path in schema["paths"], path
