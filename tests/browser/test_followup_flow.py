"""End-to-end in a real browser: the numbers behind the KPI report, and a return visit
that sends a ticket back.

(a) The CS supervisor opens 报表 from the menu, goes to last month's report, clicks the
    breached figure of 服务时限及时率 (合计 · 超时) and lands on the rows behind it: the
    breached tickets, as many as the figure said, the ticket met on time not among them.
(b) The assistant opens 回访待办, records an unsatisfied phone visit of a closed
    suggestion (VIS-2, VIS-6); the ticket is reopened — 处理中 — and its page shows the
    rework deadline the visit set.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from propdesk.core.services import calendar_create_default
from propdesk.desk.choices import Status, TicketType
from propdesk.desk.models import Ticket
from propdesk.desk.services import ticket_open
from propdesk.followup.models import ReturnVisit
from propdesk.followup.services import visit_policies_install
from propdesk.followup.tests.conftest import close, open_ticket
from propdesk.sla.choices import ClockState, StopEvent, TargetKind, Unit
from propdesk.sla.models import SlaClock, SlaPolicy, SlaTarget

pytestmark = pytest.mark.browser


def _last_month_day(day: int, hour: int) -> dt.datetime:
    first = timezone.localdate().replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=day)
    return dt.datetime.combine(month, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _clock(ticket: Ticket, target: SlaTarget, state: str, deadline: dt.datetime) -> SlaClock:
    """A resolution clock of `ticket` decided last month, as the SLA engine leaves it."""
    return SlaClock.objects.create(
        project_id=ticket.project_id,
        ticket=ticket,
        target=target,
        kind=target.kind,
        state=state,
        started_at=deadline - dt.timedelta(hours=4),
        deadline_at=deadline,
        original_deadline_at=deadline,
        budget=dt.timedelta(hours=4),
        met_at=deadline - dt.timedelta(hours=1) if state == ClockState.MET else None,
        breached_at=deadline if state == ClockState.BREACHED else None,
    )


def test_supervisor_drills_from_the_timely_rate_table_to_the_breached_tickets(world, login_as):
    from playwright.sync_api import expect

    def repair(title: str) -> Ticket:
        return ticket_open(
            project=world.project_a,
            by=world.assistant,
            type=TicketType.REPAIR,
            category="plumbing",
            title=title,
            house=world.house_a,
            reporter=world.person_a,
        )

    late = [repair("卫生间下水堵塞"), repair("厨房水管渗漏")]
    on_time = repair("阳台水龙头滴水")
    other = ticket_open(project=world.project_b, by=world.outsider, type=TicketType.INQUIRY, title="咨询", house=world.house_b)
    # Their resolution clocks as the SLA engine left them last month (no policy ran when they opened).
    assert not SlaClock.objects.exists()
    policy = SlaPolicy.objects.create(ticket_type=TicketType.REPAIR, priority="general", name="报修时限", active=True)
    target = SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLVE, amount=4, unit=Unit.CALENDAR_MINUTES, stop_event=StopEvent.RESOLVED
    )
    _clock(late[0], target, ClockState.BREACHED, _last_month_day(5, 10))
    _clock(late[1], target, ClockState.BREACHED, _last_month_day(12, 15))
    _clock(on_time, target, ClockState.MET, _last_month_day(20, 9))
    # Another project's breach is not the supervisor's to see.
    _clock(other, target, ClockState.BREACHED, _last_month_day(6, 10))

    page = login_as(world.supervisor)
    page.get_by_role("navigation").get_by_role("link", name="报表", exact=True).click()
    expect(page.locator("h1")).to_contain_text("服务中心KPI报表")
    page.locator(".period-nav").get_by_role("link", name="上一期").click()
    first = _last_month_day(1, 0).date()
    expect(page.locator("h1 small")).to_contain_text(f"{first:%Y}")

    table = page.locator("#table-sla")
    expect(table).to_contain_text("服务时限及时率")
    total = table.locator("tr", has_text="合计")
    expect(total.locator("td").last).to_have_text("33.3%")  # 及时率: 1 met of 3 decided
    breached = total.locator('a.drill[href*="cell=breached%3Aall"]')
    expect(breached).to_have_text("2")
    figure = int(breached.inner_text())
    breached.click()

    expect(page).to_have_url(re.compile(re.escape(reverse("reports:drill")) + r"\?.*report=sla"))
    expect(page.locator("h1")).to_contain_text("超时")
    expect(page.locator("#drill-count")).to_have_text(f"共 {figure} 条")
    rows = page.locator("table.drill-rows tr[data-pk]")
    expect(rows).to_have_count(figure)
    for ticket in late:
        expect(page.locator(f'tr[data-pk="{ticket.pk}"]')).to_contain_text(ticket.number)
    expect(page.locator(f'tr[data-pk="{on_time.pk}"]')).to_have_count(0)
    expect(page.locator(f'tr[data-pk="{other.pk}"]')).to_have_count(0)  # numbering is per project: the pk tells

    # The figure's ticket opens from the list.
    page.get_by_role("link", name=late[0].number).click()
    expect(page.locator("h1")).to_contain_text(late[0].number)


def test_visitor_records_an_unsatisfied_visit_and_the_ticket_is_reopened_with_a_deadline(world, login_as):
    from playwright.sync_api import expect

    calendar_create_default(name="公司默认工作日历", today=timezone.localdate().replace(month=1, day=1))
    visit_policies_install(complaints="002", repairs="standard")
    ticket = close(world, open_ticket(world, type=TicketType.SUGGESTION, category="", title="建议增设快递柜"))
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.visitor == world.assistant

    page = login_as(world.assistant)
    page.get_by_role("navigation").get_by_role("link", name="回访待办").click()
    row = page.locator(f'#visit-todo tr[data-visit="{visit.pk}"]')
    expect(row).to_contain_text(ticket.number)
    expect(row).to_contain_text("建议增设快递柜")
    row.get_by_role("link", name="记录回访").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("followup:record", args=[visit.pk])) + "$"))

    form = page.locator("#visit-form")
    form.get_by_label("电话回访").check()
    form.get_by_label("受访客户").fill("张三")
    form.locator("#id_handled_0").check()  # 已处理：是
    form.locator("#id_satisfied_1").check()  # 满意：否
    for name, score in (("score_quality", "3"), ("score_result", "2"), ("score_attitude", "4")):
        form.locator(f'input[name="{name}"][value="{score}"]').check()
    form.get_by_label("回访记录").fill("客户认为快递柜选址答复敷衍，要求重新考虑")
    form.get_by_role("button", name="保存回访记录").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("followup:todo")) + "$"))
    expect(page.locator(".messages")).to_contain_text("回访已记录")
    expect(page.locator(f'#visit-todo tr[data-visit="{visit.pk}"]')).to_have_count(0)

    visit.refresh_from_db()
    assert visit.satisfied is False and visit.sent_back_at is not None and visit.rework_due_at is not None
    due = timezone.localtime(visit.rework_due_at).strftime("%Y-%m-%d %H:%M")
    page.goto(reverse("desk:ticket", args=[ticket.pk]))
    expect(page.locator("#ticket-status")).to_have_text("处理中")
    expect(page.locator("#timeline")).to_contain_text(f"回访客户不满意，退回责任人重新处理，期限 {due}")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.closed_at is None
