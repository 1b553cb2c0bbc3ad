"""End-to-end in a real browser: the front-desk archive flow and the language switch.

Log in as project A's assistant, find the owner by the last four digits of the phone,
open the house from the resident's page, upload a scan for a checklist line and watch
the archive completeness go up; project B's assistant gets a 404 for the same page.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (240, 240, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def _screenshot(page, tmp_path: Path, name: str) -> None:
    """Keep pictures of the page (what the viewport shows, and the whole page) in the
    test's tmp dir, or in PROPDESK_SCREENSHOT_DIR when that is set, to look at by eye."""
    target = Path(os.environ.get("PROPDESK_SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))
    page.screenshot(path=str(target / f"{name}-full.png"), full_page=True)


def test_archive_upload_flow_and_other_project_gets_404(world, login_as, tmp_path):
    from playwright.sync_api import expect

    house_path = reverse("estate:house", args=[world.house_a.pk])
    page = login_as(world.assistant)

    # The one search box: the last four digits of the owner's mobile.
    page.get_by_role("navigation").get_by_role("link", name="查询").click()
    expect(page).to_have_url(re.compile(r"/search/"))
    # The search page's box searches as one types (htmx): no Enter, no page load.
    page.locator("main input[name=q]").fill("5678")
    expect(page).to_have_url(re.compile(r"/search/\?q=5678$"))
    persons = page.locator("table.results-persons")
    expect(persons).to_contain_text("张三")
    expect(persons).to_contain_text("3-2-1201")
    # The phone is shown masked in the results, never in full.
    expect(persons).not_to_contain_text("13812345678")

    # The resident's page, then the house from there.
    persons.get_by_role("link", name="张三").click()
    expect(page.locator("h1")).to_contain_text("张三")
    page.get_by_role("link", name="3-2-1201").click()
    expect(page).to_have_url(re.compile(re.escape(house_path) + "$"))
    expect(page.locator("h1")).to_contain_text("3-2-1201")

    archive = page.locator("#section-archive")
    completeness = archive.locator(".completeness")
    expect(completeness).to_have_text(re.compile(r"^0/14（0%）$"))

    # Upload a scan for the line 业主身份证复印件.
    upload_form = archive.locator("form[enctype='multipart/form-data']")
    upload_form.locator("#upload-type").select_option(label="业主身份证复印件")
    upload_form.locator("#upload-file").set_input_files(
        {"name": "owner-id-card.png", "mimeType": "image/png", "buffer": _png_bytes()}
    )
    upload_form.get_by_role("button", name="上传").click()

    expect(page.locator(".messages")).to_contain_text("扫描件已上传")
    expect(completeness).to_have_text(re.compile(r"^1/14（\d+%）$"))
    expect(archive.locator("ul.scans")).to_contain_text("owner-id-card.png")
    # The checklist line now reads received (its select shows 已收).
    id_card_select = archive.get_by_label("业主身份证复印件", exact=True)
    expect(id_card_select).not_to_have_value("missing")
    _screenshot(page, tmp_path, "propdesk-house-archive")

    # Project B's assistant: the same URL is a 404, as for a house that does not exist.
    outsider_page = login_as(world.outsider)
    response = outsider_page.goto(house_path)
    assert response is not None
    assert response.status == 404
    expect(outsider_page.locator("body")).not_to_contain_text("张三")


def test_language_switch_turns_the_console_to_english_and_back(world, login_as):
    from playwright.sync_api import expect

    english_mo = Path(__file__).resolve().parents[2] / "propdesk" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    page = login_as(world.assistant)
    html = page.locator("html")
    nav = page.get_by_role("navigation")
    lang_button = page.locator("form.lang button[name=language]")

    expect(html).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("link", name="查询", exact=True)).to_be_visible()
    expect(lang_button).to_have_text("EN")

    lang_button.click()
    expect(html).to_have_attribute("lang", "en")
    expect(lang_button).to_have_text("中文")
    if english_mo.exists():
        expect(nav.get_by_role("link", name="Search", exact=True)).to_be_visible()

    lang_button.click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(lang_button).to_have_text("EN")
    expect(nav.get_by_role("link", name="查询", exact=True)).to_be_visible()
