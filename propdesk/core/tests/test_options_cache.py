"""The console's long option lists (project switcher, handler filter) are built once a
minute per process and per project set (core.console.cached_options)."""

import time

from django.urls import reverse

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core.console import OPTIONS_SECONDS, cached_options


def test_a_list_is_built_once_a_minute_per_name_and_project_set(monkeypatch):
    built = []

    def build():
        built.append(1)
        return [(1, "阳光花园")]

    assert cached_options("projects", {2, 1}, build) == [(1, "阳光花园")]
    assert cached_options("projects", [1, 2], build) == [(1, "阳光花园")]  # the same set, in any order
    assert len(built) == 1
    cached_options("projects", {1}, build)  # another set of projects
    cached_options("handlers", {1, 2}, build)  # another list
    assert len(built) == 3
    later = time.time() + OPTIONS_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    cached_options("projects", {1, 2}, build)
    assert len(built) == 4


def _handler_filter(client) -> str:
    html = client.get(reverse("desk:tickets")).content.decode()
    return html[html.index('id="f-assignee"') : html.index("</select>", html.index('id="f-assignee"'))]


def test_a_new_project_set_gets_its_handlers_at_once_a_new_handler_within_a_minute(world, client, monkeypatch):
    supervisor = world.supervisor
    client.force_login(supervisor)
    shown = _handler_filter(client)  # project A's list, now cached
    assert ">工程维修a<" in shown and ">工程维修b<" not in shown
    # A membership in project B: the supervisor's queue spans A and B, a list of its own.
    Membership.objects.create(user=supervisor, project=world.project_b, role=Role.SUPERVISOR)
    assert ">工程维修b<" in _handler_filter(client)
    # A handler joining project A shows in A's cached list only once the minute is over.
    newcomer = User.objects.create_user("newcomer", password="pw-123456", display_name="新来的维修工")
    Membership.objects.create(user=newcomer, project=world.project_a, role=Role.ENGINEER)
    client.force_login(world.users[("assistant", "a")])
    assert "新来的维修工" not in _handler_filter(client)
    later = time.time() + OPTIONS_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert "新来的维修工" in _handler_filter(client)


def test_the_switcher_lists_the_users_projects(world, client):
    client.force_login(world.users[("head_office", "*")])
    html = client.get(reverse("desk:tickets")).content.decode()
    assert f'<option value="{world.project_a.pk}">阳光花园</option>' in html
    assert f'<option value="{world.project_b.pk}">翠湖苑</option>' in html
    client.force_login(world.assistant)
    html = client.get(reverse("desk:tickets")).content.decode()
    assert "阳光花园</option>" in html and "翠湖苑</option>" not in html


def test_options_escape_values_and_labels_and_mark_the_selected_one():
    from django.template import Context, Template

    rendered = Template('{% load propdesk %}{% options choices selected %}').render(
        Context({"choices": [(1, "王<b>"), (2, '李"四\''), ("a&b", "&")], "selected": 2})
    )
    assert rendered == (
        '<option value="1">王&lt;b&gt;</option>'
        '<option value="2" selected>李&quot;四&#x27;</option>'
        '<option value="a&amp;b">&amp;</option>'
    )
