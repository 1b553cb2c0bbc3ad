"""SLA board API (GET /api/v1/sla/board/): due soon and breached clocks with the counts per
department and per assignee, for the projects where the caller sees tickets — its
permission matrix (see `propdesk.core.testing`), the project filter and its query count."""

from __future__ import annotations

import pytest

from propdesk.core.testing import STAFF_ROLES, api_client, check_matrix
from propdesk.desk.choices import Department, Priority, Status, TicketType
from propdesk.desk.services import ticket_assign, ticket_open
from propdesk.sla.choices import TargetKind
from propdesk.sla.services import sla_sweep
from propdesk.sla.tests.conftest import at, engineer, move, open_ticket

pytestmark = pytest.mark.django_db

BOARD_VIEWERS = set(STAFF_ROLES)  # everyone who sees tickets (TICKET_VIEW), in their projects
URL = "/api/v1/sla/board/"
NOW = at(2026, 6, 1, 14, 30)


@pytest.fixture
def scene(world, presets, clock):
    """On Mon 2026-06-01 at 14:30 (as in test_board): in project A an engineering repair
    overdue for dispatch and a cleaning complaint, assigned to the engineer, in its
    warning window; in project B an overdue inquiry."""
    clock.set(at(2026, 6, 1, 9, 0))
    overdue = open_ticket(world, TicketType.REPAIR, Priority.GENERAL, department=Department.ENGINEERING)
    clock.set(at(2026, 6, 1, 9, 45))
    warned = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR, department=Department.CLEANING)
    ticket_assign(ticket=warned, assignee=engineer(world), by=world.assistant)
    warned = move(world, warned, Status.IN_PROGRESS)
    clock.set(at(2026, 6, 1, 9, 0))
    in_b = ticket_open(project=world.project_b, type=TicketType.INQUIRY, title="B", by=world.outsider)
    clock.set(at(2026, 6, 1, 13, 30))
    sla_sweep()
    clock.set(NOW)
    return {"overdue": overdue, "warned": warned, "in_b": in_b}


def test_sla_board_permission_matrix(world, scene):
    """A project's tickets are on the caller's board exactly where they see tickets."""

    def get_board(client, cell):
        response = client.get(URL)
        ticket = cell.pick(scene["overdue"], scene["in_b"])
        shown = response.status_code == 200 and ticket.pk in {row["ticket"] for row in response.json()["breached"]}
        return response, shown

    check_matrix(world, BOARD_VIEWERS, get_board, refused=200)


def test_sla_board_lists_due_soon_and_breached_per_department_and_assignee(world, scene):
    body = api_client(world, "supervisor").get(URL).json()
    assert body["now"].startswith("2026-06-01T14:30") and body["projects"] == [world.project_a.pk]
    assert (body["due_soon_count"], body["breached_count"]) == (1, 1)
    [due] = body["due_soon"]
    assert (due["ticket"], due["kind"], due["kind_display"], due["state"]) == (
        scene["warned"].pk,
        TargetKind.RESOLVE,
        "解决",
        "running",
    )
    assert (due["assignee"], due["assignee_name"], due["department_display"]) == (
        engineer(world).pk,
        str(engineer(world)),
        "保洁部",
    )
    assert due["deadline_text"] == "还剩 45 分钟"  # due 15:15
    assert [(row["ticket"], row["kind"]) for row in body["breached"]] == [
        (scene["overdue"].pk, TargetKind.DISPATCH),
        (scene["overdue"].pk, TargetKind.TRANSFER),
    ]
    assert body["breached"][0]["deadline_text"].startswith("已超时")
    assert body["breached"][0]["place"] == world.house_a.code and body["breached"][0]["ticket_number"] == scene["overdue"].number
    assert body["by_department"] == [
        {"department": "engineering", "label": "工程部", "due_soon": 0, "breached": 1},
        {"department": "cleaning", "label": "保洁部", "due_soon": 1, "breached": 0},
    ]
    assert [(row["assignee"], row["due_soon"], row["breached"]) for row in body["by_assignee"]] == [
        (None, 0, 1),
        (engineer(world).pk, 1, 0),
    ]
    assert body["by_assignee"][0]["label"] == "未派单"


def test_sla_board_project_filter(world, scene):
    everywhere = api_client(world, "head_office")
    assert everywhere.get(URL).json()["breached_count"] == 2
    only_b = everywhere.get(URL, {"project": world.project_b.pk}).json()
    assert (only_b["projects"], only_b["breached_count"], only_b["due_soon_count"]) == ([world.project_b.pk], 1, 0)
    assert only_b["by_department"] == [{"department": "", "label": "未指定部门", "due_soon": 0, "breached": 1}]
    # another project's id is a project with nothing on the caller's board
    other = api_client(world, "assistant").get(URL, {"project": world.project_b.pk}).json()
    assert (other["projects"], other["breached"], other["by_department"]) == ([], [], [])
    bad = api_client(world, "assistant").get(URL, {"project": "b"})
    assert bad.status_code == 400 and bad.json()["field"] == "project"


def test_sla_board_for_a_resident_account_is_empty(world, scene):
    body = api_client(world, "resident").get(URL).json()
    assert (body["projects"], body["due_soon_count"], body["breached_count"], body["due_soon"]) == ([], 0, 0, [])


def test_sla_board_query_count_is_locked(world, presets, clock, django_assert_max_num_queries):
    clock.set(at(2026, 6, 1, 9, 0))
    for _index in range(12):
        open_ticket(world, TicketType.REPAIR, Priority.GENERAL, department=Department.ENGINEERING)
    clock.set(at(2026, 6, 1, 13, 30))
    client = api_client(world, "assistant")
    # memberships, the counts (one grouped query), due soon, breached (each with ticket/assignee/house joined)
    with django_assert_max_num_queries(4):
        body = client.get(URL).json()
    assert body["breached_count"] == 12 and len(body["breached"]) == 24  # dispatch and transfer of each


def test_schema_lists_the_sla_board(world):
    schema = api_client(world, "assistant").get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/sla/board/" in schema["paths"]
