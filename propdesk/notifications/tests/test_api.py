"""Notification API (/api/v1/notifications/): per-user rows, so the permission matrix is
the owner (200), any other user — whatever the role, company-wide included — (404, or
200 without the row for lists) and nobody logged in (401)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from propdesk.notifications.models import Notification
from propdesk.notifications.services import notify


@pytest.fixture
def note(world) -> Notification:
    [notification] = notify(
        recipients=[world.supervisor],
        kind="ticket.escalated",
        title="工单 T-001 超时未派工",
        body="请尽快派工",
        link="/tickets/1/",
        project=world.project_a,
        urgent=True,
    )
    return notification


# Who calls: the owner; other users (same project, other project, company-wide, a
# resident account); nobody.
CALLERS = ["owner", "assistant_a", "supervisor_b", "admin", "resident", None]


def _client(world, who) -> APIClient:
    client = APIClient()
    users = {
        "owner": world.supervisor,
        "assistant_a": world.assistant,
        "supervisor_b": world.users[("supervisor", "b")],
        "admin": world.users[("admin", "*")],
        "resident": world.resident_user,
    }
    if who is not None:
        client.force_authenticate(users[who])
    return client


def _expected(who, ok=200, refused=404) -> int:
    return 401 if who is None else ok if who == "owner" else refused


@pytest.mark.parametrize("who", CALLERS)
def test_list_permission_matrix(world, note, who):
    response = _client(world, who).get("/api/v1/notifications/")
    assert response.status_code == _expected(who, refused=200)
    if response.status_code == 200:
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([note.pk] if who == "owner" else [])


@pytest.mark.parametrize("who", CALLERS)
def test_retrieve_permission_matrix(world, note, who):
    response = _client(world, who).get(f"/api/v1/notifications/{note.pk}/")
    assert response.status_code == _expected(who)


@pytest.mark.parametrize("who", CALLERS)
def test_mark_read_permission_matrix(world, note, who):
    response = _client(world, who).post(f"/api/v1/notifications/{note.pk}/read/")
    assert response.status_code == _expected(who)
    note.refresh_from_db()
    assert (note.read_at is not None) is (who == "owner")


@pytest.mark.parametrize("who", CALLERS)
def test_read_all_permission_matrix(world, note, who):
    response = _client(world, who).post("/api/v1/notifications/read-all/")
    assert response.status_code == _expected(who, refused=200)
    if response.status_code == 200:
        assert response.json() == {"marked": 1 if who == "owner" else 0}
    note.refresh_from_db()
    assert (note.read_at is not None) is (who == "owner")


def test_missing_and_foreign_notifications_look_the_same(world, note):
    client = _client(world, "assistant_a")
    foreign = client.get(f"/api/v1/notifications/{note.pk}/")
    missing = client.get("/api/v1/notifications/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_output_shape_and_unread_filter(world, note):
    client = _client(world, "owner")
    row = client.get(f"/api/v1/notifications/{note.pk}/").json()
    assert row == {
        "id": note.pk,
        "kind": "ticket.escalated",
        "title": "工单 T-001 超时未派工",
        "body": "请尽快派工",
        "link": "/tickets/1/",
        "project": world.project_a.pk,
        "project_name": "阳光花园",
        "severity": "urgent",
        "urgent": True,
        "unread": True,
        "created_at": row["created_at"],
        "read_at": None,
    }
    [other] = notify(recipients=[world.supervisor], kind="loan.overdue", title="档案借阅逾期")
    client.post(f"/api/v1/notifications/{note.pk}/read/")
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [r["id"] for r in unread] == [other.pk]
    read = client.get("/api/v1/notifications/", {"unread": "false"}).json()["results"]
    assert [r["id"] for r in read] == [note.pk] and read[0]["read_at"] is not None
    by_kind = client.get("/api/v1/notifications/", {"kind": "loan.overdue"}).json()["results"]
    assert [r["id"] for r in by_kind] == [other.pk]


def test_mark_read_twice_keeps_the_first_read_time(world, note):
    client = _client(world, "owner")
    first = client.post(f"/api/v1/notifications/{note.pk}/read/").json()["read_at"]
    second = client.post(f"/api/v1/notifications/{note.pk}/read/").json()["read_at"]
    assert first == second is not None


def test_list_query_count_is_flat(world, django_assert_max_num_queries):
    for i in range(20):
        notify(recipients=[world.supervisor], kind="x.y", title=f"n{i}", project=world.project_a)
    client = _client(world, "owner")
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/notifications/")
    assert response.json()["count"] == 20


def test_schema_lists_the_endpoints(world):
    client = _client(world, "owner")
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
    ):
        assert path in schema["paths"], path
