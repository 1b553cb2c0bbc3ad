"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Each test gets its own Playwright instance (started and stopped inside the test), so the
event loop that Playwright's sync API keeps running in this thread never outlives the
test: the other tests of the same xdist worker keep Django's async-safety check.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PROPDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous: the CI machine has two cores, shared by two xdist workers and their browsers.
TIMEOUT_MS = 30_000
PASSWORD = "pw-123456"


@pytest.fixture
def browser(transactional_db, live_server, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium (make browsers)")
    from playwright.sync_api import expect, sync_playwright

    # While Playwright's sync API is up, an event loop counts as running in this thread;
    # the ORM calls made here (fixtures, teardown flush) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page() → a page in a fresh browser context (its own cookies) on the live server."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login_as(new_page):
    """login_as(user) → a page in its own browser context, logged in at /login/."""
    from playwright.sync_api import expect

    def login(user, password: str = PASSWORD):
        page = new_page()
        page.goto("/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        # Logged in: the console's top bar names the user.
        expect(page.locator(".topbar .who")).to_have_text(str(user))
        return page

    return login
