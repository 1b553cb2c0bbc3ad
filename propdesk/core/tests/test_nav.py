"""The menu shows each user the pages they may use — and every page it shows answers
them (so the menu and the views' capability checks cannot drift apart)."""

import re

import pytest
from django.urls import reverse

from propdesk.accounts.models import Membership, User
from propdesk.core.testing import COMPANY_WIDE, STAFF_ROLES

EVERY_STAFF = {"core:home", "core:search", "estate:status-sheet", "notifications:inbox", "api-docs"}
DESK_VIEW = {"services:catalogue", "services:stats", "emergency:duty", "emergency:plans", "reports:kpi"}
TICKETS = {"desk:contact-new", "emergency:new", "desk:contacts", "desk:tickets", "sla:board", "sla:policies"} | DESK_VIEW
FIELD = TICKETS | {"desk:mine"}
DESK = EVERY_STAFF | FIELD | {"residents:overview", "residents:loans"}
VISITS = {"followup:todo", "followup:review"}  # record return visits; review them (the PM)
FEE_READ = {"billing:desk", "billing:arrears", "billing:notices", "billing:disputes", "bankcollect:batches"}  # FEE_VIEW
FEE_READ |= {"dunning:worklist", "billing:collection", "deposits:list"}  # FEE_VIEW: 催缴工作台, 收费报表, 押金
FEE_RUN, FEE_CLOSE = {"billing:runs"}, {"billing:close", "billing:approvals"}  # FEE_BILL; FEE_COLLECT
FEE_CONF = {"billing:fee-items", "billing:policy"}  # FEE_CONFIGURE
FEES = FEE_READ | FEE_RUN | FEE_CLOSE
SURVEY_READ, SURVEY_BUILD = {"surveys:rounds", "surveys:rectifications"}, {"surveys:questionnaires"}  # SURVEY_VIEW; SURVEY_MANAGE
METERS = {"metering:rounds"}  # METER_READ
OUTREACH = {"outreach:visits", "outreach:care"}  # proactive visits, customer care (VISIT_RECORD)
OUTREACH_PROGRESS = {"outreach:progress"}  # VISIT_MANAGE
ACTIVITIES = {"followup:activities"}  # community activities (VISIT_MANAGE)
PARKING = {"parking:rentals"}  # PARKING_VIEW
EVERY_PAGE = (
    DESK
    | {"residents:imports", "repairs:pool", "repairs:unfinished"}
    | VISITS
    | FEES
    | FEE_CONF
    | SURVEY_READ
    | SURVEY_BUILD
    | METERS
    | OUTREACH
    | OUTREACH_PROGRESS
    | ACTIVITIES
    | PARKING
)
HEAD_OFFICE = {"residents:overview", "residents:loans", "desk:contacts", "desk:tickets", "sla:board", "sla:policies"} | DESK_VIEW

# Who sees which link (accounts/roles.py, written out as the rule).
SHOWN = {
    "assistant": (
        DESK | {"repairs:pool", "repairs:unfinished", "followup:todo"} | FEE_READ | SURVEY_READ | METERS | OUTREACH | PARKING
    ),
    "supervisor": EVERY_PAGE - {"followup:review"} - FEE_RUN - FEE_CONF,
    "manager": EVERY_PAGE,
    "engineer": EVERY_STAFF | FIELD | {"residents:overview", "repairs:pool"} | METERS,
    "guard": EVERY_STAFF | FIELD | {"residents:overview"} | PARKING,
    "cleaner": EVERY_STAFF | FIELD,
    "cashier": EVERY_STAFF | TICKETS | {"residents:overview"} | FEES | METERS | PARKING,
    "archivist": DESK | {"residents:imports"},
    "head_office": EVERY_STAFF | HEAD_OFFICE | FEE_READ | SURVEY_READ,
    "admin": EVERY_PAGE,
    "resident": {"core:home", "notifications:inbox", "surveys:mine"},
}
URL_NAMES = {reverse(name): name for name in EVERY_PAGE | {"surveys:mine"}}
SOON = ("装修管理", "前台登记", "通知公告", "巡查与交接班")


def _user(world, role):
    if role == "resident":
        return world.resident_user
    return world.users[(role, "*" if role in COMPANY_WIDE else "a")]


def _menu(html: str) -> tuple[set[str], str]:
    """The url names the menu links to, and the menu's html."""
    nav = re.search(r'<nav class="(?:sidenav|resident-nav)".*?</nav>', html, re.S)
    menu = nav.group(0) if nav else ""
    return {URL_NAMES[href] for href in re.findall(r'href="([^"]+)"', menu)}, menu


@pytest.mark.parametrize("role", [*STAFF_ROLES, "resident"])
def test_menu_shows_what_the_role_may_use_and_each_link_answers(world, client, role):
    client.force_login(_user(world, role))
    shown, menu = _menu(client.get(reverse("core:home")).content.decode())
    assert shown == SHOWN[role]
    assert all(label in menu for label in SOON) is (role != "resident")
    assert ("住户服务" in menu, "工作台" in menu) == ((True, False) if role == "resident" else (False, True))
    for name in sorted(shown):
        assert client.get(reverse(name)).status_code == 200, (role, name)


def test_a_capability_in_any_project_shows_the_link(world, client):
    """An engineer of project a who is also the archivist of project b sees 数据导入."""
    engineer = world.users[("engineer", "a")]
    client.force_login(engineer)
    assert "residents:imports" not in _menu(client.get(reverse("core:home")).content.decode())[0]
    Membership.objects.create(user=engineer, project=world.project_b, role="archivist")
    shown, _menu_html = _menu(client.get(reverse("core:home")).content.decode())
    assert "residents:imports" in shown and "residents:loans" in shown
    assert client.get(reverse("residents:imports")).status_code == 200


def test_staff_without_a_role_see_only_the_common_pages(world, client):
    client.force_login(User.objects.create_user("newcomer", password="pw-123456"))
    assert _menu(client.get(reverse("core:home")).content.decode())[0] == {"core:home", "notifications:inbox", "api-docs"}


def test_the_current_page_is_marked(world, client):
    client.force_login(world.assistant)
    menu = _menu(client.get(reverse("desk:tickets")).content.decode())[1]
    assert f'<a href="{reverse("desk:tickets")}" aria-current="page">' in menu
    assert menu.count("aria-current") == 1


def test_nobody_logged_in_gets_no_menu(world, client):
    assert _menu(client.get(reverse("accounts:login")).content.decode()) == (set(), "")
