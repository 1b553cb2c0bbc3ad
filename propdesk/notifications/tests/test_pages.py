"""Console: the inbox shows the user's own notifications only (unread first, paginated);
mark read / mark all read by POST (htmx fragments); another user's notification is a
404 like a missing one; the top bar's bell with its unread count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from propdesk.notifications.models import Notification
from propdesk.notifications.services import notify

HTMX = {"HX-Request": "true"}


def _note(user, title="工单 T-001 超时未派工", **kwargs) -> Notification:
    [notification] = notify(recipients=[user], kind="ticket.escalated", title=title, **kwargs)
    return notification


@pytest.fixture
def notes(world):
    """Two for the supervisor (one read), one for the outsider of project B."""
    old = _note(world.supervisor, title="旧通知：档案借阅逾期", link="/archive/loans/", project=world.project_a)
    Notification.objects.filter(pk=old.pk).update(read_at=timezone.now(), created_at=timezone.now() - dt.timedelta(days=1))
    mine = _note(world.supervisor, title="新通知：工单超时", body="3 栋 1201", urgent=True, project=world.project_a)
    theirs = _note(world.outsider, title="别人的通知：翠湖苑停水")
    return {"old": old, "mine": mine, "theirs": theirs}


def test_inbox_lists_own_notifications_unread_first(world, client, notes):
    client.force_login(world.supervisor)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "新通知：工单超时" in html and "旧通知：档案借阅逾期" in html
    assert "别人的通知" not in html
    assert html.index("新通知：工单超时") < html.index("旧通知：档案借阅逾期")
    assert "紧急" in html and "阳光花园" in html
    assert list(response.context["page"]) == [notes["mine"], notes["old"]]


def test_inbox_unread_filter_and_pagination(world, client, notes):
    for i in range(35):
        _note(world.supervisor, title=f"批量通知 {i}")
    client.force_login(world.supervisor)
    unread = client.get(reverse("notifications:inbox"), {"show": "unread"})
    assert notes["old"] not in list(unread.context["page"])
    assert unread.context["unread"] == 36
    first = client.get(reverse("notifications:inbox"))
    assert len(first.context["page"]) == 30 and first.context["page"].paginator.count == 37
    last = client.get(reverse("notifications:inbox"), {"page": 2})
    assert list(last.context["page"])[-1] == notes["old"]


def test_inbox_htmx_returns_the_list_fragment(world, client, notes):
    client.force_login(world.supervisor)
    response = client.get(reverse("notifications:inbox"), headers=HTMX)
    html = response.content.decode()
    assert html.startswith('<div id="notification-list">') and "<html" not in html


def test_inbox_needs_login(world, client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_mark_read_own(world, client, notes):
    client.force_login(world.supervisor)
    url = reverse("notifications:read", args=[notes["mine"].pk])
    assert client.get(url).status_code == 405  # a write is a POST
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("notifications:inbox")
    notes["mine"].refresh_from_db()
    assert notes["mine"].read_at is not None


def test_mark_read_htmx_returns_the_row_and_refreshes_the_bell(world, client, notes):
    client.force_login(world.supervisor)
    response = client.post(reverse("notifications:read", args=[notes["mine"].pk]), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    html = response.content.decode()
    assert html.startswith(f'<tr id="notification-{notes["mine"].pk}"') and "已读" in html and "标为已读" not in html
    # The inbox's unread count is swapped out of band.
    assert '<span id="notification-unread-count" class="muted" hx-swap-oob="true">0 条未读</span>' in html


@pytest.mark.parametrize("target", ["theirs", "missing"])
def test_other_users_notification_is_404_like_a_missing_one(world, client, notes, target):
    client.force_login(world.supervisor)
    pk = notes["theirs"].pk if target == "theirs" else 999999
    assert client.post(reverse("notifications:read", args=[pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[pk])).status_code == 404
    notes["theirs"].refresh_from_db()
    assert notes["theirs"].read_at is None


def test_even_company_wide_roles_see_only_their_own(world, client, notes):
    client.force_login(world.users[("admin", "*")])
    assert client.post(reverse("notifications:read", args=[notes["mine"].pk])).status_code == 404
    assert list(client.get(reverse("notifications:inbox")).context["page"]) == []


def test_mark_all_read_marks_own_only(world, client, notes):
    _note(world.supervisor, title="第三条")
    client.force_login(world.supervisor)
    response = client.post(reverse("notifications:read-all"), headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "notifications-changed"
    assert response.content.decode().startswith('<div id="notification-list">')
    assert not Notification.objects.filter(recipient=world.supervisor, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=notes["theirs"].pk).read_at is None
    response = client.post(reverse("notifications:read-all"))
    assert response.status_code == 302


def test_open_marks_read_and_follows_a_local_link_only(world, client, notes):
    client.force_login(world.supervisor)
    with_link = _note(world.supervisor, title="借阅", link="/archive/loans/")
    response = client.get(reverse("notifications:open", args=[with_link.pk]))
    assert response.status_code == 302 and response["Location"] == "/archive/loans/"
    with_link.refresh_from_db()
    assert with_link.read_at is not None
    offsite = _note(world.supervisor, title="外链", link="https://evil.example.net/")
    response = client.get(reverse("notifications:open", args=[offsite.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_bell_fragment_counts_own_unread(world, client, notes):
    client.force_login(world.supervisor)
    response = client.get(reverse("notifications:bell"), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-bell"' in html and 'data-unread="1"' in html
    assert 'hx-trigger="every 30s' in html
    client.post(reverse("notifications:read-all"))
    html = client.get(reverse("notifications:bell"), headers=HTMX).content.decode()
    assert "data-unread" not in html


def test_bell_shows_99_plus(world, client):
    notify(recipients=[world.supervisor], kind="x.y", title="a")
    Notification.objects.bulk_create([Notification(recipient=world.supervisor, kind="x.y", title=f"n{i}") for i in range(120)])
    client.force_login(world.supervisor)
    html = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-unread="121"' in html and "99+" in html


def test_bell_stops_polling_after_logout(world, client):
    response = client.get(reverse("notifications:bell"), headers=HTMX)
    assert response.status_code == 286 and response.content == b""


def test_top_bar_has_the_bell_and_the_nav_link(world, client, notes, django_assert_max_num_queries):
    client.force_login(world.supervisor)
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    assert 'id="notification-bell"' in html and 'data-unread="1"' in html
    assert f'href="{reverse("notifications:inbox")}"' in html


def test_inbox_query_count_does_not_grow_with_rows(world, client, django_assert_max_num_queries):
    for i in range(25):
        _note(world.supervisor, title=f"n{i}", project=world.project_a if i % 2 else world.project_b)
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("notifications:inbox")).status_code == 200


def test_inbox_in_english(world, client, notes):
    client.force_login(world.supervisor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "Notifications" in html and "Mark all as read" in html and "Urgent" in html
