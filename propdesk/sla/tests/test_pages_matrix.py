"""The permission matrix of the SLA pages (服务时限看板, 时限策略): every staff role and a
resident account × own / other project, and nobody logged in — see
`propdesk.core.testing.check_page_matrix`. Both pages are for everyone who sees tickets:
the board lists their projects' late work, the policies are the promises they work under."""

import pytest
from django.urls import reverse

from propdesk.core.testing import STAFF_ROLES, check_page_matrix
from propdesk.desk import services as desk
from propdesk.desk.choices import TicketType
from propdesk.sla.services import sla_install_presets

# Who may read the SLA pages (accounts/roles.py, written out as the rule): TICKET_VIEW.
TICKET_VIEWERS = set(STAFF_ROLES)


@pytest.fixture
def late_repairs(world, presets, clock):
    """A very urgent repair in each project, past its 10-minute transfer and on-site targets."""
    titles = {"a": "阳光花园 3-2-1201 水管爆裂", "b": "翠湖苑 1-1-101 水管爆裂"}
    for code, house in (("a", world.house_a), ("b", world.house_b)):
        desk.ticket_open(
            project=house.project,
            type=TicketType.REPAIR,
            title=titles[code],
            category="plumbing",
            priority="very_urgent",
            house=house,
            by=world.users[("assistant", code)],
        )
    clock.advance(minutes=30)
    return titles


def test_sla_board_permission_matrix(world, late_repairs):
    def get_board(client, cell):
        response = client.get(reverse("sla:board"))
        return response, late_repairs[cell.pick("a", "b")] in response.content.decode()

    check_page_matrix(world, TICKET_VIEWERS, get_board)


def test_sla_policies_permission_matrix(world, presets):
    for project in (world.project_a, world.project_b):
        sla_install_presets(variant="001", project=project)  # each project's own policies

    def get_policies(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        response = client.get(reverse("sla:policies"))
        return response, f'id="policies-project-{project.pk}"' in response.content.decode()

    check_page_matrix(world, TICKET_VIEWERS, get_policies)
