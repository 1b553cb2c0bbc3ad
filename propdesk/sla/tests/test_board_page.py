"""The live SLA board page: what is due soon and breached, per department and assignee,
refreshed in place; scoped like every page."""

import pytest
from django.urls import reverse

from propdesk.accounts.roles import ROLE_CAPS, Cap, Role
from propdesk.desk.choices import TicketType
from propdesk.sla.tests.conftest import open_ticket

STAFF_ROLES = [r.value for r in Role if r not in (Role.HEAD_OFFICE, Role.ADMIN)]


@pytest.fixture
def late_repair(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, "very_urgent")
    clock.advance(minutes=30)  # past the 10-minute transfer and on-site targets
    return ticket


def test_board_shows_breached_tickets_and_refreshes_in_place(world, client, late_repair):
    client.force_login(world.supervisor)
    html = client.get(reverse("sla:board")).content.decode()
    assert late_repair.number in html and 'hx-trigger="every 15s"' in html
    assert 'id="breached-count">0<' not in html
    fragment = client.get(reverse("sla:board"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and late_repair.number in fragment


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_board_permission_matrix(world, client, late_repair, role):
    client.force_login(world.users[(role, "a")])
    response = client.get(reverse("sla:board"))
    assert response.status_code == (200 if Cap.TICKET_VIEW in ROLE_CAPS[role] else 404)
    client.force_login(world.users[(role, "b")])
    response = client.get(reverse("sla:board"))
    assert late_repair.number not in response.content.decode()


def test_board_needs_login_and_refuses_residents(world, client):
    assert client.get(reverse("sla:board")).status_code == 302
    client.force_login(world.resident_user)
    assert client.get(reverse("sla:board")).status_code == 404


def test_board_lists_the_worst_handlers_and_sums_the_others(world, client, presets, clock, monkeypatch):
    from propdesk.desk.services import ticket_assign
    from propdesk.sla import views
    from propdesk.sla.tests.conftest import engineer

    monkeypatch.setattr(views, "BOARD_ASSIGNEES", 1)
    for _ in range(2):  # two late tickets with the engineer, one left unassigned
        ticket_assign(ticket=open_ticket(world, TicketType.REPAIR, "very_urgent"), assignee=engineer(world), by=world.assistant)
    open_ticket(world, TicketType.REPAIR, "very_urgent")
    clock.advance(minutes=30)
    client.force_login(world.supervisor)

    html = client.get(reverse("sla:board")).content.decode()

    table = html.split("按处理人")[1].split("</table>")[0]
    assert str(engineer(world)) in table and "未派单" not in table  # the worse one listed
    assert 'class="unlisted"' in table and "另有 1 位处理人" in table  # the other summed in one row
    assert len(client.get("/api/v1/sla/board/").json()["by_assignee"]) == 2  # the API lists every handler
