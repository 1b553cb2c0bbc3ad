"""End-to-end in a real browser: a phone call becomes an urgent repair, and the
technician works it from a phone.

Project A's assistant logs a phone call: types the caller's last four digits, picks the
person, reads back the generated confirmation, opens an urgent plumbing repair (给排水)
and lands on the ticket page with its number and timeline; there she assigns it to the
project's engineer. The engineer opens "我的工单" on a phone-sized screen, taps 到场 on
the repair's card and goes on to its work order to finish; the ticket's timeline shows
the arrival.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from propdesk.desk.models import Contact, Ticket

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _screenshot(page, tmp_path: Path, name: str) -> None:
    """Keep pictures of the page (viewport and whole page) in the test's tmp dir, or in
    PROPDESK_SCREENSHOT_DIR when that is set, to look at by eye."""
    target = Path(os.environ.get("PROPDESK_SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))
    page.screenshot(path=str(target / f"{name}-full.png"), full_page=True)


def _phone_login(browser, live_server, user):
    """A logged-in page in a phone-sized browser context."""
    from playwright.sync_api import expect

    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    expect(page.locator(".topbar .brand")).to_be_visible()
    return context, page


def test_phone_call_to_urgent_repair_worked_on_a_phone(world, login_as, browser, live_server, tmp_path):
    from playwright.sync_api import expect

    engineer = world.users[("engineer", "a")]
    page = login_as(world.assistant)

    # The contact desk from the navigation; the channel is the phone by default.
    page.get_by_role("navigation").get_by_role("link", name="来电来访登记").click()
    expect(page.locator("h1")).to_contain_text("来电来访登记")
    expect(page.locator("#id_channel")).to_have_value("phone")

    # The caller's last four digits find the person with their house; pick them.
    page.locator("#lookup").fill("5678")
    pick = page.locator("#lookup-results button.pick", has_text="张三")
    expect(pick).to_contain_text("3-2-1201")
    expect(pick).to_contain_text("138****5678")
    pick.click()
    panel = page.locator("#caller-panel")
    expect(panel.locator(".caller-name")).to_have_text("张三")
    expect(panel.locator(".caller-house")).to_have_text("3-2-1201")
    expect(panel).to_contain_text("没有未完成的工单")

    # What the caller says, and how it ends: an urgent plumbing repair for engineering.
    page.locator("#id_content").fill("卫生间水管漏水，楼下已经渗水")
    page.get_by_label("转为工单").check()
    page.locator("#id_type").select_option(label="报修")
    page.locator("#id_category").select_option(label="给排水")
    page.locator("#id_priority").select_option(label="紧急")
    page.locator("#id_department").select_option(label="工程部")
    page.locator("#id_title").fill("卫生间水管漏水")
    # Complaint categories are not offered for a repair.
    expect(page.locator("#id_category option", has_text="员工服务态度")).to_be_hidden()

    read_back = page.locator("#read-back-text")
    expect(read_back).to_contain_text("张先生您好，跟您确认一下：您反映 3-2-1201 卫生间水管漏水")
    expect(read_back).to_contain_text("尽快由工程部安排维修人员上门处理")
    _screenshot(page, tmp_path, "propdesk-desk-contact")

    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记来电，并生成工单")
    ticket = Ticket.objects.get()
    expect(page.locator("h1 .ticket-number")).to_have_text(ticket.number)
    assert re.fullmatch(r"\d{10}", ticket.number)
    expect(page.locator("#timeline")).to_contain_text("创建")
    contact = Contact.objects.get()
    assert contact.read_back.startswith("张先生您好") and contact.ticket == ticket
    assert (ticket.category, ticket.priority) == ("plumbing", "urgent")

    # Assign it to the project's engineer from the ticket page.
    page.locator("#assign-assignee").select_option(label=f"{engineer} · 工程维修")
    page.locator("#assign-form").get_by_role("button", name="派单").click()
    expect(page.locator(".messages")).to_contain_text("已派单")
    expect(page.locator("#ticket-assignee")).to_have_text(str(engineer))
    expect(page.locator("#timeline")).to_contain_text(f"处理人：— → {engineer}")
    _screenshot(page, tmp_path, "propdesk-desk-ticket")
    page.get_by_role("navigation").get_by_role("link", name="工单", exact=True).click()
    expect(page.locator("#ticket-table")).to_contain_text(ticket.number)
    _screenshot(page, tmp_path, "propdesk-desk-queue")

    # The engineer, on a phone: 我的工单 shows the repair as its work order; 到场, then on to it.
    context, phone = _phone_login(browser, live_server, engineer)
    try:
        phone.goto("/desk/mine/")
        card = phone.locator(f"#mine-{ticket.pk}")
        expect(card).to_contain_text(ticket.number)
        expect(card).to_contain_text("3-2-1201")
        expect(card).to_contain_text("15 分钟内到场")
        arrive = card.get_by_role("button", name="到场")
        box = arrive.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= PHONE["width"] * 0.6  # a thumb-sized button
        _screenshot(phone, tmp_path, "propdesk-desk-mine-phone")
        arrive.click()
        expect(phone.locator(".messages")).to_contain_text("已登记到场")
        expect(card.locator(".badge.status")).to_have_text("处理中")
        expect(card.get_by_role("button", name="到场")).to_have_count(0)
        # A repair finishes on its work order (customer signature, REP-6; see test_repair_flow).
        expect(card.get_by_role("button", name="处理完成")).to_have_count(0)
        card.get_by_role("link", name="完工签字").click()
        expect(phone).to_have_url(f"{live_server.url}/repairs/{ticket.pk}/#complete")
        _screenshot(phone, tmp_path, "propdesk-desk-mine-phone-done")

        phone.goto(f"/desk/tickets/{ticket.pk}/")
        timeline = phone.locator("#timeline")
        expect(timeline).to_contain_text("状态：已派单 → 处理中")
        _screenshot(phone, tmp_path, "propdesk-desk-ticket-phone")
    finally:
        context.close()
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
