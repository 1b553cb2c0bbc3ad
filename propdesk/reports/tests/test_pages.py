"""报表 pages: who may read them (the permission matrix, written out), the drill-down from
a number on the page to the rows behind it, Excel exports, print and the trend chart."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.core.console import SESSION_KEY
from propdesk.core.testing import STAFF_ROLES, check_page_matrix
from propdesk.desk.choices import TicketType
from propdesk.reports.tests.conftest import NOW, Builder

# Everyone who may see tickets (Cap.TICKET_VIEW) reads the reports of their projects: the
# same people who already see the SLA board and the ticket and contact lists the numbers
# are counted from, so a report shows nobody anything new. Residents never.
REPORT_READERS = set(STAFF_ROLES)
JUNE = "period=month&date=2026-06-01"


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _this_month_tickets(world):
    b = Builder(world)
    created = timezone.now() - dt.timedelta(minutes=5)
    return (
        b.ticket(TicketType.INQUIRY, created, project=world.project_a),
        b.ticket(TicketType.INQUIRY, created, project=world.project_b),
    )


def test_report_page_permission_matrix(world):
    def act(client, cell):
        response = client.get(reverse("reports:kpi"))
        project = cell.pick(world.project_a, world.project_b)
        return response, response.status_code == 200 and project.name in response.content.decode()

    check_page_matrix(world, REPORT_READERS, act)


def test_drilldown_page_permission_matrix(world):
    ticket_a, ticket_b = _this_month_tickets(world)

    def act(client, cell):
        response = client.get(reverse("reports:drill") + "?period=month&report=tickets&cell=total")
        ticket = cell.pick(ticket_a, ticket_b)
        return response, response.status_code == 200 and ticket.number in response.content.decode()

    check_page_matrix(world, REPORT_READERS, act)


def test_export_permission_matrix(world):
    def act(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        response = client.get(reverse("reports:export") + "?table=ranking")
        if response.status_code == 200:  # only company-wide readers get the ranking
            sheet = load_workbook(BytesIO(response.content)).active
            return response, project.name in {row[1] for row in sheet.iter_rows(values_only=True)}
        # a one-project reader: the ranking is not there (404); its own numbers are
        own = client.get(reverse("reports:export") + "?table=tickets-type")
        return own, own.status_code == 200 and cell.where == "own"

    check_page_matrix(world, REPORT_READERS, act)


def test_a_supervisor_clicks_the_timely_figure_and_sees_the_breached_tickets(world, kpi, client, frozen):
    client.force_login(world.supervisor)
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    link = re.search(r'<a class="drill" href="([^"]*cell=breached%3Aall[^"]*)">(\d+)</a>', page)
    assert link and link.group(2) == "3"
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert 'id="drill-count">共 3 条' in listed
    for ticket in (kpi.effective[2], kpi.invalid, kpi.plumbing[1]):
        assert ticket.number in listed


def test_every_link_on_the_page_lists_as_many_rows_as_its_number(world, kpi, client, frozen):
    client.force_login(world.users[("head_office", "*")])
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    links = re.findall(r'<a class="drill" href="([^"]+)">(\d+)</a>', page)
    assert len(links) > 60
    for href, number in links:
        listed = client.get(href.replace("&amp;", "&")).content.decode()
        assert re.search(r'id="drill-count">共 (\d+) 条', listed).group(1) == number, href


def test_the_switcher_narrows_the_report_to_one_project(world, kpi, client, frozen):
    client.force_login(world.users[("head_office", "*")])
    assert "项目排名" in client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    session = client.session
    session[SESSION_KEY] = world.project_b.pk
    session.save()
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    assert "项目排名" not in page and 'id="report-scope">翠湖苑' in page


def test_the_drilldown_refuses_a_project_not_shown_and_an_unknown_cell(world, kpi, client, frozen):
    client.force_login(world.supervisor)
    url = reverse("reports:drill") + "?" + JUNE
    assert client.get(url + f"&report=tickets&cell=total&project={world.project_b.pk}").status_code == 404
    assert client.get(url + "&report=tickets&cell=bogus").status_code == 404
    assert client.get(url + f"&report=tickets&cell=total&project={world.project_a.pk}").status_code == 200


def test_every_table_exports_to_excel_with_the_numbers_on_the_page(world, kpi, client, frozen):
    client.force_login(world.users[("head_office", "*")])
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    names = re.findall(r'<section id="table-([a-z-]+)">', page)
    assert {"contacts-channel", "complaints", "sla", "paid-repairs", "visits", "ranking", "trend"} <= set(names)
    for name in names:
        response = client.get(reverse("reports:export") + f"?{JUNE}&table={name}")
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(client.get(reverse("reports:export") + f"?{JUNE}&table=paid-repairs").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == 3 and str(rows[2][1]) == "230.75"
    sheet = load_workbook(BytesIO(client.get(reverse("reports:export") + f"?{JUNE}&table=visits").content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert (values["本期应回访"], values["已回访"], values["回访率(%)"], values["质量平均分"]) == (
        6,
        5,
        83.3,
        3.3,
    )  # (5+3+4+1)/4 = 3.25, half-up
    assert client.get(reverse("reports:export") + f"?{JUNE}&table=nope").status_code == 404


def test_vis4_return_visit_rate_links_to_the_visits_behind_it(world, kpi, client, frozen):
    client.force_login(world.supervisor)
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    assert "followup-slot" not in page
    section = page.split('id="table-visits"')[1].split("</section>")[0]
    assert "80.0%" in section and "66.7%" in section
    link = re.search(r'<a class="drill" href="([^"]*cell=sent_back[^"]*)">(\d+)</a>', section)
    assert link and link.group(2) == "2"
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert 'id="drill-count">共 2 条' in listed
    for ticket in (kpi.plumbing[1], kpi.effective[0]):
        assert ticket.number in listed


def test_the_page_prints_and_shows_a_server_drawn_trend(world, kpi, client, frozen):
    client.force_login(world.supervisor)
    page = client.get(reverse("reports:kpi") + "?" + JUNE).content.decode()
    assert "reports/reports.css" in page and 'onclick="window.print()"' in page
    assert page.count('<svg class="chart"') == 2 and "<script" not in page.split('<main class="content">')[1]
    for kind in ("day", "week"):
        assert client.get(reverse("reports:kpi") + f"?period={kind}&date=2026-06-12").status_code == 200
