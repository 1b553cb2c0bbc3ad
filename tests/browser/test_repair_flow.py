"""End-to-end on a phone: the engineer grabs a pooled repair (抢单), finds it in 我的工单
and taps 到场 there, then on the work order has the customer sign on the canvas and taps
完成; the ticket's timeline reads assigned → in progress → resolved, and the drawn
signature is kept as a PNG with ink on it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _screenshot(page, tmp_path: Path, name: str) -> None:
    """Pictures of the phone page, in the test's tmp dir or PROPDESK_SCREENSHOT_DIR."""
    target = Path(os.environ.get("PROPDESK_SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))
    page.screenshot(path=str(target / f"{name}-full.png"), full_page=True)


def _no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"


def test_engineer_grabs_arrives_signs_and_completes_on_a_phone(world, login_as, tmp_path):
    from playwright.sync_api import expect

    from propdesk.desk.choices import Status, TicketType
    from propdesk.desk.models import Ticket, WorkOrder
    from propdesk.desk.repair_forms import decode_signature
    from propdesk.desk.repairs import check_signature_png, work_order_open_pool
    from propdesk.desk.services import ticket_open

    ticket = ticket_open(
        project=world.project_a,
        by=world.assistant,
        type=TicketType.REPAIR,
        title="厨房水管漏水",
        category="plumbing",
        house=world.house_a,
        reporter=world.person_a,
    )
    work_order_open_pool(ticket=ticket, by=world.assistant)
    order_path = reverse("repairs:order", args=[ticket.pk])

    page = login_as(world.users[("engineer", "a")])
    page.set_viewport_size(PHONE)

    # 抢单池: the pooled repair with its big button.
    page.goto(reverse("repairs:pool"))
    card = page.locator(".wo-card", has_text=ticket.number)
    expect(card).to_contain_text("厨房水管漏水")
    expect(card).to_contain_text("3-2-1201")
    _no_horizontal_scroll(page)
    _screenshot(page, tmp_path, "repair-pool-phone")
    card.get_by_role("button", name="抢单").click()

    expect(page).to_have_url(re.compile(re.escape(order_path) + "$"))
    expect(page.locator(".messages")).to_contain_text("抢单成功")
    expect(page.locator(".wo-status")).to_have_text("已派单")
    _no_horizontal_scroll(page)
    _screenshot(page, tmp_path, "repair-order-assigned-phone")

    # 我的工单: the grabbed repair as its work order; 到场 records the time and starts the work.
    page.locator(".wo-nav").get_by_role("link", name="我的工单").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:mine")) + "$"))
    card = page.locator(f"#mine-{ticket.pk}")
    expect(card).to_contain_text("厨房水管漏水")
    expect(card).to_contain_text("3-2-1201")
    expect(card).to_contain_text("当天到场")
    _no_horizontal_scroll(page)
    _screenshot(page, tmp_path, "repair-mine-phone")
    card.get_by_role("button", name="到场").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:mine")) + "$"))
    expect(page.locator(".messages")).to_contain_text("已登记到场")
    expect(card.locator(".badge.status")).to_have_text("处理中")
    card.get_by_role("link", name="完工签字").click()
    expect(page).to_have_url(re.compile(re.escape(order_path) + "#complete$"))
    page.wait_for_load_state()  # the signature pad's script has run (it ends the page)
    expect(page.locator(".wo-status")).to_have_text("处理中")
    expect(page.locator("#appointment")).to_contain_text("到场时间")

    # 完成: what was done, and the customer's signature drawn with the pointer.
    form = page.locator("#complete-form")
    form.get_by_label("维修情况").fill("更换厨房水龙头阀芯，试水无渗漏")
    canvas = form.locator("canvas.sigpad")
    # Tapping 完成 before signing is stopped on the phone (and the pad scrolled into view).
    form.get_by_role("button", name="完成").click()
    expect(form.locator(".sigpad-empty")).to_be_visible()
    expect(page.locator(".wo-status")).to_have_text("处理中")

    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300, box
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(x + 30 + step * 22, y + box["height"] * (0.7 - 0.4 * ((step % 4) / 3)), steps=3)
    page.mouse.up()
    page.mouse.move(x + 60, y + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(x + 220, y + box["height"] * 0.55, steps=8)
    page.mouse.up()
    expect(form.locator("input[name=signature]")).to_have_value(re.compile(r"^data:image/png;base64,"))
    expect(canvas).to_have_class(re.compile(r"\bsigned\b"))
    # What the form will send is a PNG with ink on it (the server's own check).
    check_signature_png(decode_signature(form.locator("input[name=signature]").input_value()))
    _no_horizontal_scroll(page)
    _screenshot(page, tmp_path, "repair-order-signing-phone")
    form.get_by_role("button", name="完成").click()

    expect(page.locator(".messages")).to_contain_text("已完工")
    expect(page.locator(".wo-status")).to_have_text("已处理")
    expect(page.locator("#done img.wo-signature")).to_be_visible()
    timeline = page.locator(".wo-timeline")
    expect(timeline).to_contain_text(re.compile(r"派单.*已派单 → 处理中.*处理中 → 已处理", re.DOTALL))
    _no_horizontal_scroll(page)
    _screenshot(page, tmp_path, "repair-order-done-phone")

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.RESOLVED and ticket.assignee == world.users[("engineer", "a")]
    order = WorkOrder.objects.get(pk=ticket.pk)
    assert order.arrived_at is not None and order.completed_at is not None
    with order.signature.open("rb") as handle:
        check_signature_png(handle.read())  # a PNG with ink on it
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[:2] == ["created", "work_order"] and "assigned" in kinds and kinds[-1] == "status"

    # The printable 派工单 shows the signature on its stubs.
    page.goto(reverse("repairs:print", args=[ticket.pk]))
    expect(page.locator("section.stub")).to_have_count(3)
    expect(page.locator("section.stub img").first).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    _screenshot(page, tmp_path, "repair-print-a4")
