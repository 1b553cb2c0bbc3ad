"""Fixtures of the return-visit tests: the company calendar (2026 holidays), a clock under
the test's control, the visit presets, and helpers to open and close tickets."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from propdesk.core.services import calendar_create_default
from propdesk.desk import services as desk
from propdesk.desk.choices import Status, TicketType
from propdesk.followup.services import visit_policies_install

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, monkeypatch):
        self.now = at(2026, 6, 1, 9, 0)  # a Monday
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def calendar(db):
    return calendar_create_default(name="公司默认工作日历", today=dt.date(2026, 1, 1))


@pytest.fixture
def presets(calendar):
    visit_policies_install(complaints="002", repairs="standard")


def open_ticket(world, *, type=TicketType.COMPLAINT, category="cleaning", priority=None, project="a", **fields):
    by = world.assistant if project == "a" else world.outsider
    return desk.ticket_open(
        project=world.project_a if project == "a" else world.project_b,
        type=type,
        category=category,
        priority=priority,
        title=fields.pop("title", "楼道垃圾未清"),
        house=fields.pop("house", world.house_a if project == "a" else world.house_b),
        reporter=world.person_a if project == "a" else world.person_b,
        by=by,
        **fields,
    )


def close(world, ticket, by=None):
    """Resolve and close a ticket that needs no work order (complaints, suggestions…)."""
    by = by or (world.assistant if ticket.project_id == world.project_a.pk else world.outsider)
    desk.ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=by)
    desk.ticket_transition(ticket=ticket, to_status=Status.CLOSED, by=by)
    ticket.refresh_from_db()
    return ticket


def signature_png(*, ink: bool = True) -> bytes:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 80), (120, 30), (260, 90)], fill=(17, 17, 17, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
