"""Fixtures of the SLA tests: a clock under the test's control, the company calendar with
the 2026 statutory holidays, the presets, and helpers to open and move tickets."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from propdesk.core.services import calendar_create_default
from propdesk.desk import services as desk
from propdesk.desk.choices import ComplaintCategory, EmergencyKind, RepairTrade, TicketType
from propdesk.sla.models import SlaClock
from propdesk.sla.services import sla_install_presets

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware instant in Shanghai wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


class Clock:
    """`timezone.now()` under the test's control (the services read the time only through it)."""

    def __init__(self, monkeypatch):
        self.now = at(2026, 6, 1, 9, 0)  # a Monday
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def calendar(db):
    """The company default calendar: Mon–Fri 08:30–12:00 / 13:30–17:30 plus the 2026
    holidays and make-up workdays from chinese-calendar (国庆节 Oct 1–7, Sat Oct 10 worked)."""
    return calendar_create_default(name="公司默认工作日历", today=dt.date(2026, 1, 1))


@pytest.fixture
def presets(calendar):
    return sla_install_presets(variant="002")


@pytest.fixture
def presets_001(calendar):
    return sla_install_presets(variant="001")


CATEGORIES = {
    TicketType.COMPLAINT: ComplaintCategory.CLEANING,
    TicketType.REPAIR: RepairTrade.PLUMBING,
    TicketType.EMERGENCY: EmergencyKind.BURST_PIPE,
}


def open_ticket(world, ticket_type: str, priority: str | None = None, **fields):
    fields.setdefault("category", CATEGORIES.get(ticket_type, ""))
    fields.setdefault("house", world.house_a)
    return desk.ticket_open(
        project=world.project_a, type=ticket_type, title="测试工单", by=world.assistant, priority=priority, **fields
    )


def move(world, ticket, status: str, note: str = ""):
    return desk.ticket_transition(ticket=ticket, to_status=status, by=world.assistant, note=note or "测试")


def engineer(world):
    return world.users[("engineer", "a")]


def clock_of(ticket, kind: str) -> SlaClock:
    """The ticket's latest clock of `kind`."""
    return SlaClock.objects.filter(ticket=ticket, kind=kind).select_related("target").latest("started_at", "pk")


def earliest_ticking_deadline(ticket):
    """What Ticket.next_deadline_at must equal: the earliest deadline of the running or
    overdue (breached, unmet) clocks."""
    deadlines = [
        c.deadline_at
        for c in SlaClock.objects.filter(ticket=ticket, met_at__isnull=True, ended_at__isnull=True)
        if c.state in ("running", "breached")
    ]
    return min(deadlines, default=None)
