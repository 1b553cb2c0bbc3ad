"""End-to-end in a real browser: an elevator entrapment (DESK-7, INC-4).

The assistant opens 紧急求助, picks 电梯困人, types where and what, and clicks once: the
ticket page shows who was alarmed and the elevator plan's checklist. The engineer on the
roster — alarmed by that click — ticks the first step, records what the caller was told,
writes the summary, and the ticket can then be marked done.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.desk.choices import Department, Status
from propdesk.desk.emergencies import duty_shift_add
from propdesk.desk.emergency_plans import emergency_plans_install
from propdesk.desk.models import EmergencyCheck, Ticket
from propdesk.notifications.models import Notification

pytestmark = pytest.mark.browser


def test_one_click_emergency_then_the_engineer_follows_the_plan(world, login_as):
    from playwright.sync_api import expect

    emergency_plans_install()  # the transactional test database starts empty
    engineer = world.users[("engineer", "a")]
    now = timezone.now()
    duty_shift_add(
        project=world.project_a,
        department=Department.ENGINEERING,
        user=engineer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=7),
        by=world.supervisor,
    )

    page = login_as(world.assistant)
    page.goto("/emergency/new/")
    page.locator("label.kind-elevator input").check()
    page.fill("#emergency-place", "3-2-1201")
    page.fill("#emergency-content", "业主被困 2 号电梯，停在 8 楼与 9 楼之间")
    page.fill("#emergency-caller", "张先生")
    page.fill("#emergency-phone", "13800001111")
    page.click("#emergency-submit")
    expect(page.locator("#emergency-panel")).to_contain_text(str(engineer))
    expect(page.locator("#emergency-checklist li")).to_have_count(7)
    ticket = Ticket.objects.get()
    assert ticket.house == world.house_a and Notification.objects.filter(recipient=engineer, kind="emergency").exists()

    tech = login_as(engineer)
    tech.goto(f"/desk/tickets/{ticket.pk}/")
    tech.locator("#emergency-checklist li").first.get_by_role("button").click()
    expect(tech.locator("#emergency-checklist li.done")).to_have_count(1)
    tech.fill("#inform-note", "已告知业主：维保单位 15 分钟内到场，请保持冷静")
    tech.locator("#inform-form button").click()
    expect(tech.locator(".caller-updates")).to_contain_text("15 分钟内到场")
    expect(tech.locator(f"#transition-form button[value={Status.RESOLVED}]")).to_have_count(0)
    tech.fill("#summary-form textarea", "21:05 接报，21:12 维保到场盘车放人，无人受伤；原因为门锁故障，已停梯检修。")
    tech.locator("#summary-form button").click()
    expect(tech.locator("#emergency-panel")).to_contain_text("门锁故障")
    assert EmergencyCheck.objects.filter(ticket=ticket, done_by=engineer).count() == 1
    tech.goto(f"/emergency/{ticket.pk}/report/")
    expect(tech.locator("h1")).to_have_text("突发事件报告")
