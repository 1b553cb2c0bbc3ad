"""Login attempts are throttled (issue: staff and access)."""

import pytest
from django.urls import reverse


@pytest.fixture
def login(client):
    def attempt(username, password, address="10.1.1.1"):
        return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)

    return attempt


def test_login_succeeds_with_right_password(world, login):
    response = login("assistant_a", "pw-123456")
    assert response.status_code == 302 and response["Location"] == reverse("core:home")


def test_login_locked_after_repeated_failures(world, login, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert login("assistant_a", "wrong").status_code == 200
    locked = login("assistant_a", "pw-123456")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Another user from another address is unaffected.
    assert login("supervisor_a", "pw-123456", address="10.9.9.9").status_code == 302


def test_lock_is_case_insensitive_and_counts_addresses(world, login, settings):
    settings.LOGIN_MAX_FAILURES = 2
    login("Assistant_A", "wrong")
    login("ASSISTANT_A", "wrong")
    assert login("assistant_a", "pw-123456").status_code == 429
    for index in range(6):
        login(f"nobody{index}", "wrong", address="10.2.2.2")
    assert login("supervisor_a", "pw-123456", address="10.2.2.2").status_code == 429


def test_lock_expires_after_the_window(world, login, settings):
    settings.LOGIN_MAX_FAILURES = 2
    login("assistant_a", "wrong")
    login("assistant_a", "wrong")
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 0
    assert login("assistant_a", "pw-123456").status_code == 302


def test_console_needs_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
